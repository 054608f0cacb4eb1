namespace AsiOpsPortal.Tests.Shared;

public static class TestKubeconfig
{
    /// <summary>A minimal self-contained kubeconfig for <paramref name="server"/> with one bearer-token user.</summary>
    public static string For(string server, string context = "test", string token = "test-token") => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: {context}
          cluster:
            server: {server}
        users:
        - name: {context}-user
          user:
            token: {token}
        contexts:
        - name: {context}
          context:
            cluster: {context}
            user: {context}-user
        current-context: {context}
        """;
}
