using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AsiOpsPortal.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class PipelineDynamicStage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Then",
                table: "pipelines",
                type: "jsonb",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Then",
                table: "pipelines");
        }
    }
}
