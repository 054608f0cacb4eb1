using k8s;
using k8s.KubeConfigModels;

namespace AsiOpsPortal.Kubernetes;

/// <summary>Reads pasted kubeconfig text. Only self-contained configs are accepted: no commands, no file references.</summary>
public static class Kubeconfig
{
    public const int MaxBytes = 256 * 1024;

    public sealed record Context(string Name, string Cluster, string Server);

    /// <summary>The contexts the file offers, its current one first.</summary>
    public static IReadOnlyList<Context> ListContexts(string text)
    {
        var config = Load(text);
        var contexts = (config.Contexts ?? [])
            .Select(c => new Context(c.Name, c.ContextDetails?.Cluster ?? "",
                config.Clusters?.FirstOrDefault(k => k.Name == c.ContextDetails?.Cluster)?.ClusterEndpoint?.Server ?? ""))
            .OrderByDescending(c => c.Name == config.CurrentContext)
            .ToList();
        if (contexts.Count == 0)
            throw new KubeconfigException("The kubeconfig has no contexts. Export it again with `kubectl config view --minify --flatten`.");
        return contexts;
    }

    /// <summary>The context a cluster will be reached through, refusing anything that would run or read outside the file.</summary>
    public static Context Resolve(string text, string? contextName)
    {
        var (config, context, cluster) = Select(text, contextName);
        return new Context(context.Name, cluster.Name, Build(config, context.Name).Host);
    }

    /// <summary>The client configuration for one context; KubernetesClient's type stays inside this project.</summary>
    internal static KubernetesClientConfiguration ClientConfiguration(string text, string? contextName)
    {
        var (config, context, _) = Select(text, contextName);
        return Build(config, context.Name);
    }

    private static (K8SConfiguration Config, k8s.KubeConfigModels.Context Context, Cluster Cluster) Select(string text, string? contextName)
    {
        var config = Load(text);
        contextName = string.IsNullOrWhiteSpace(contextName) ? config.CurrentContext : contextName;
        if (string.IsNullOrWhiteSpace(contextName))
            throw new KubeconfigException("The kubeconfig sets no current-context; pick one of its contexts.");
        var context = config.Contexts?.FirstOrDefault(c => c.Name == contextName)
            ?? throw new KubeconfigException($"The kubeconfig has no context named '{contextName}'. It has: {string.Join(", ", (config.Contexts ?? []).Select(c => c.Name))}.");
        var cluster = config.Clusters?.FirstOrDefault(c => c.Name == context.ContextDetails?.Cluster)
            ?? throw new KubeconfigException($"Context '{contextName}' points at cluster '{context.ContextDetails?.Cluster}', which the kubeconfig does not define.");
        var user = config.Users?.FirstOrDefault(u => u.Name == context.ContextDetails?.User);
        RefuseExternalReferences(cluster, user);

        if (!Uri.TryCreate(cluster.ClusterEndpoint?.Server, UriKind.Absolute, out var server) || server.Scheme is not ("https" or "http"))
            throw new KubeconfigException($"Cluster '{cluster.Name}' has no valid server URL (got '{cluster.ClusterEndpoint?.Server}'); it should look like https://host:6443.");
        return (config, context, cluster);
    }

    private static KubernetesClientConfiguration Build(K8SConfiguration config, string contextName)
    {
        try
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigObject(config, contextName);
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or FormatException or ArgumentException)
        {
            throw new KubeconfigException($"The kubeconfig's context '{contextName}' cannot be used: {e.Message}", e);
        }
    }

    private static K8SConfiguration Load(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new KubeconfigException("The kubeconfig is empty.");
        if (System.Text.Encoding.UTF8.GetByteCount(text) > MaxBytes)
            throw new KubeconfigException($"The kubeconfig is larger than {MaxBytes / 1024} KiB; export a single context with `kubectl config view --minify --flatten`.");
        try
        {
            using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
            var config = KubernetesClientConfiguration.LoadKubeConfig(stream);
            if (config is null || (config.Kind != "Config" && !(config.Clusters?.Any() ?? false) && !(config.Contexts?.Any() ?? false)))
                throw new KubeconfigException("This is not a kubeconfig: it has no clusters or contexts.");
            return config;
        }
        catch (KubeconfigException) { throw; }
        catch (YamlDotNet.Core.YamlException e)
        {
            // The position is what a person needs to fix the file.
            throw new KubeconfigException($"The kubeconfig could not be parsed: {FirstLine(e.Message)} (line {e.Start.Line}, column {e.Start.Column})", e);
        }
        catch (Exception e)
        {
            throw new KubeconfigException($"The kubeconfig could not be parsed: {FirstLine(e.Message)}", e);
        }
    }

    private static void RefuseExternalReferences(Cluster cluster, User? user)
    {
        if (!string.IsNullOrEmpty(cluster.ClusterEndpoint?.CertificateAuthority))
            throw new KubeconfigException("The kubeconfig refers to a CA certificate file; embed it instead (`kubectl config view --minify --flatten`).");
        if (user?.UserCredentials is not { } credentials) return;
        if (credentials.ExternalExecution is not null || credentials.AuthProvider is not null)
            throw new KubeconfigException("The kubeconfig gets credentials by running a command or auth plugin. The portal never runs commands from a kubeconfig: use a service-account token or an embedded client certificate.");
        if (!string.IsNullOrEmpty(credentials.ClientCertificate) || !string.IsNullOrEmpty(credentials.ClientKey))
            throw new KubeconfigException("The kubeconfig refers to client certificate files; embed them instead (`kubectl config view --minify --flatten`).");
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
