using AsiOpsPortal.Web.Accounts;
using AsiOpsPortal.Web.Catalog;
using AsiOpsPortal.Web.Infrastructure;

namespace AsiOpsPortal.Web.Demo;

/// <summary>Demo mode: two components with two versions each, so the catalog and its diffs have something to show. Re-runs keep what exists.</summary>
public sealed class DemoCatalog(CatalogService catalog, ILogger<DemoCatalog> log)
{
    public sealed record DemoComponent(ComponentRegistration Registration, IReadOnlyList<VersionUpload> Versions);

    public static readonly IReadOnlyList<DemoComponent> Components =
    [
        new(new ComponentRegistration("web-frontend", "web", "The public web tier: nginx serving the storefront.", "alice"),
        [
            new("1.26.2", WebFrontend(nginx: "1.26.2", gzip: false, replicas: 3), "nginx 1.26.2 with the storefront's config."),
            new("1.27.3", WebFrontend(nginx: "1.27.3", gzip: true, replicas: 4), "nginx 1.27.3; gzip on for text assets; one more replica for peak traffic."),
        ]),
        new(new ComponentRegistration("node-agent", "kube-system", "Node metrics on every node (Prometheus node-exporter).", "alice"),
        [
            new("1.8.1", NodeAgent(tag: "v1.8.1", memoryLimit: "64Mi"), "node-exporter v1.8.1."),
            new("1.8.2", NodeAgent(tag: "v1.8.2", memoryLimit: "96Mi"), "node-exporter v1.8.2; more memory headroom on large nodes."),
        ]),
    ];

    public async Task SeedAsync(Actor actor, CancellationToken ct = default)
    {
        foreach (var (registration, versions) in Components)
        {
            try
            {
                var existing = await catalog.GetAsync(registration.Name, ct) ?? await catalog.CreateAsync(registration, actor, ct);
                foreach (var version in versions.Where(v => existing.Versions.All(e => e.Version != v.Version)))
                    await catalog.AddVersionAsync(registration.Name, version, actor, ct);
            }
            catch (Exception e) when (e is ValidationFailedException or ConflictException)
            {
                log.LogWarning("Demo component {Component} not seeded: {Error}", registration.Name, e.Message);
            }
        }
    }

    private static string WebFrontend(string nginx, bool gzip, int replicas) => $$"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: web
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: web-config
          namespace: web
        data:
          default.conf: |
            server {
              listen 80;
              root /usr/share/nginx/html;
              location /healthz { return 200 "ok"; }
        {{(gzip ? "      gzip on;\n      gzip_types text/css application/javascript application/json;\n" : "")}}    }
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: web
          labels:
            app: web
        spec:
          replicas: {{replicas}}
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
                - name: nginx
                  image: nginx:{{nginx}}
                  ports:
                    - containerPort: 80
                  readinessProbe:
                    httpGet:
                      path: /healthz
                      port: 80
                  volumeMounts:
                    - name: config
                      mountPath: /etc/nginx/conf.d
              volumes:
                - name: config
                  configMap:
                    name: web-config
        """;

    private static string NodeAgent(string tag, string memoryLimit) => $$"""
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: node-agent
          namespace: kube-system
          labels:
            app: node-agent
        spec:
          selector:
            matchLabels:
              app: node-agent
          updateStrategy:
            type: RollingUpdate
            rollingUpdate:
              maxUnavailable: 10%
          template:
            metadata:
              labels:
                app: node-agent
            spec:
              hostNetwork: true
              hostPID: true
              tolerations:
                - operator: Exists
              containers:
                - name: node-exporter
                  image: quay.io/prometheus/node-exporter:{{tag}}
                  args: ["--path.rootfs=/host"]
                  ports:
                    - containerPort: 9100
                  resources:
                    requests:
                      cpu: 50m
                      memory: 32Mi
                    limits:
                      memory: {{memoryLimit}}
                  volumeMounts:
                    - name: root
                      mountPath: /host
                      readOnly: true
              volumes:
                - name: root
                  hostPath:
                    path: /
        """;
}
