using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AsiOpsPortal.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class FreezeExceptions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_approvals_ChangeId_Revision_Approver",
                table: "approvals");

            migrationBuilder.AddColumn<string>(
                name: "RunThrough",
                table: "changes",
                type: "jsonb",
                nullable: false,
                defaultValue: "{}");

            migrationBuilder.AddColumn<string>(
                name: "Kind",
                table: "approvals",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "Review");

            migrationBuilder.CreateIndex(
                name: "IX_approvals_ChangeId_Revision_Kind_Approver",
                table: "approvals",
                columns: new[] { "ChangeId", "Revision", "Kind", "Approver" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_approvals_ChangeId_Revision_Kind_Approver",
                table: "approvals");

            migrationBuilder.DropColumn(
                name: "RunThrough",
                table: "changes");

            migrationBuilder.DropColumn(
                name: "Kind",
                table: "approvals");

            migrationBuilder.CreateIndex(
                name: "IX_approvals_ChangeId_Revision_Approver",
                table: "approvals",
                columns: new[] { "ChangeId", "Revision", "Approver" },
                unique: true);
        }
    }
}
