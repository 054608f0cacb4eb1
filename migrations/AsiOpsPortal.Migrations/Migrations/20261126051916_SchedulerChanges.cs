using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AsiOpsPortal.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class SchedulerChanges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "PlanBeforeEdit",
                table: "changes",
                type: "jsonb",
                nullable: false,
                defaultValue: "{}");

            migrationBuilder.AddColumn<string>(
                name: "SchedulerPolicyName",
                table: "changes",
                type: "character varying(63)",
                maxLength: 63,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "PlanBeforeEdit",
                table: "changes");

            migrationBuilder.DropColumn(
                name: "SchedulerPolicyName",
                table: "changes");
        }
    }
}
