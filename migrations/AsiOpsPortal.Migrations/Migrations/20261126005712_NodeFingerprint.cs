using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AsiOpsPortal.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class NodeFingerprint : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "Fingerprint",
                table: "nodes",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Fingerprint",
                table: "nodes");
        }
    }
}
