using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AsiOpsPortal.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class RiskRules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Risk",
                table: "changes",
                type: "jsonb",
                nullable: false,
                // Changes proposed before risk rules existed have no findings: an empty report, not an empty string.
                defaultValue: "{}");

            migrationBuilder.AddColumn<string>(
                name: "ApproverRole",
                table: "approvals",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "risk_rule_settings",
                columns: table => new
                {
                    Rule = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    Severity = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Scope = table.Column<string>(type: "text", nullable: false),
                    Parameters = table.Column<string>(type: "jsonb", nullable: false),
                    UpdatedBy = table.Column<string>(type: "text", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_risk_rule_settings", x => x.Rule);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "risk_rule_settings");

            migrationBuilder.DropColumn(
                name: "Risk",
                table: "changes");

            migrationBuilder.DropColumn(
                name: "ApproverRole",
                table: "approvals");
        }
    }
}
