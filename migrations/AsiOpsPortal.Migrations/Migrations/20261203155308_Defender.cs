using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace AsiOpsPortal.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class Defender : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "defender_agent_limits",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Pattern = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Resource = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    Verb = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    PerSecond = table.Column<int>(type: "integer", nullable: false),
                    CreatedBy = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_defender_agent_limits", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "defender_budgets",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    Scope = table.Column<string>(type: "jsonb", nullable: false),
                    Resources = table.Column<string>(type: "jsonb", nullable: false),
                    Verbs = table.Column<string>(type: "jsonb", nullable: false),
                    Limits = table.Column<string>(type: "jsonb", nullable: false),
                    Breaker = table.Column<string>(type: "jsonb", nullable: false),
                    Mode = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    CreatedBy = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedBy = table.Column<string>(type: "text", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_defender_budgets", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "defender_decisions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    User = table.Column<string>(type: "text", nullable: false),
                    UserAgent = table.Column<string>(type: "text", nullable: false),
                    Verb = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Resource = table.Column<string>(type: "text", nullable: false),
                    Namespace = table.Column<string>(type: "text", nullable: true),
                    Name = table.Column<string>(type: "text", nullable: false),
                    Cluster = table.Column<string>(type: "text", nullable: false),
                    Allowed = table.Column<bool>(type: "boolean", nullable: false),
                    Code = table.Column<int>(type: "integer", nullable: false),
                    Budget = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: true),
                    Window = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: true),
                    WouldRefuse = table.Column<bool>(type: "boolean", nullable: false),
                    Message = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_defender_decisions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "defender_states",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Spends = table.Column<string>(type: "jsonb", nullable: false),
                    BreakerOpenedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    BreakerCause = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_defender_states", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_defender_agent_limits_Pattern_Resource_Verb",
                table: "defender_agent_limits",
                columns: new[] { "Pattern", "Resource", "Verb" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_defender_budgets_Name",
                table: "defender_budgets",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_defender_decisions_At",
                table: "defender_decisions",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_defender_decisions_Cluster_Allowed_At",
                table: "defender_decisions",
                columns: new[] { "Cluster", "Allowed", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "defender_agent_limits");

            migrationBuilder.DropTable(
                name: "defender_budgets");

            migrationBuilder.DropTable(
                name: "defender_decisions");

            migrationBuilder.DropTable(
                name: "defender_states");
        }
    }
}
