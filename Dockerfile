# One image recipe for both runnable projects; pick one with --build-arg PROJECT=...
#   docker build -t asiops-portal .
#   docker build -t asiops-fleetsim --build-arg PROJECT=AsiOpsPortal.FleetSim .
ARG PROJECT=AsiOpsPortal.Web

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG PROJECT
WORKDIR /src
COPY *.sln *.props dotnet-tools.json ./
COPY src/ src/
COPY migrations/ migrations/
COPY wwwroot/ wwwroot/
# Host build output carries host paths; start from a clean tree.
RUN find src migrations -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} + \
 && dotnet publish "src/$PROJECT" -c Release -o /app

# The ASP.NET runtime image runs both the portal and FleetSim (which serves HTTP too).
FROM mcr.microsoft.com/dotnet/aspnet:10.0
ARG PROJECT
ENV APP_DLL=$PROJECT.dll DOTNET_CLI_TELEMETRY_OPTOUT=1
WORKDIR /app
COPY --from=build /app .
# sh -c so the DLL name comes from the build arg while `command:` arguments still pass through.
ENTRYPOINT ["sh", "-c", "exec dotnet \"$APP_DLL\" \"$@\"", "--"]
