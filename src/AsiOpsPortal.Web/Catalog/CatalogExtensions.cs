namespace AsiOpsPortal.Web.Catalog;

public static class CatalogExtensions
{
    public static void AddCatalog(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CatalogService>();
    }
}
