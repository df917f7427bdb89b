using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RelayWarden.Hosting.Configuration;

namespace RelayWarden.Hosting.Relay;

/// <summary>The STARTTLS certificate: the configured PEM pair, else a self-signed one kept under <c>data_dir/tls</c>.</summary>
public static class TlsCertificates
{
    /// <summary>Loads or generates the certificate; <paramref name="origin"/> says which, for the startup summary.</summary>
    public static X509Certificate2 Load(TlsOptions tls, string dataDir, string hostname, out string origin)
    {
        ArgumentNullException.ThrowIfNull(tls);
        if (tls.CertPath is not null && tls.KeyPath is not null)
        {
            origin = tls.CertPath;
            using var pem = X509Certificate2.CreateFromPemFile(tls.CertPath, tls.KeyPath);
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }

        string folder = Path.Combine(dataDir, "tls");
        string path = Path.Combine(folder, "selfsigned.pfx");
        origin = $"{path} (self-signed)";
        if (File.Exists(path))
        {
            var existing = X509CertificateLoader.LoadPkcs12FromFile(path, null);
            if (existing.NotAfter > DateTime.Now.AddDays(7))
            {
                return existing;
            }

            existing.Dispose();
        }

        System.IO.Directory.CreateDirectory(folder);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostname}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostname);
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(2));
        byte[] pfx = created.Export(X509ContentType.Pkcs12);
        string temp = path + ".tmp";
        File.WriteAllBytes(temp, pfx);
        File.Move(temp, path, overwrite: true);
        return X509CertificateLoader.LoadPkcs12(pfx, null);
    }
}
