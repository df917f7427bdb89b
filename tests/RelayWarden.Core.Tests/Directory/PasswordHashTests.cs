using RelayWarden.Core.Directory;

namespace RelayWarden.Core.Tests.Directory;

public class PasswordHashTests
{
    [Fact]
    public void Hash_verifies_its_password_only()
    {
        string hash = PasswordHash.Hash("s3cret", 1000);
        Assert.StartsWith("$pbkdf2-sha256$i=1000$", hash, StringComparison.Ordinal);
        Assert.True(PasswordHash.Verify("s3cret", hash));
        Assert.False(PasswordHash.Verify("s3cret ", hash));
        Assert.NotEqual(hash, PasswordHash.Hash("s3cret", 1000)); // fresh salt
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("plaintext")]
    [InlineData("$pbkdf2-sha256$i=1000$!!$!!")]
    [InlineData("$pbkdf2-sha256$i=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")]
    public void Malformed_hash_never_verifies(string? hash)
    {
        Assert.False(PasswordHash.IsWellFormed(hash));
        Assert.False(PasswordHash.Verify("anything", hash));
    }
}
