// Fuzz target for the X.509 parsers (core/security/certificates.h): membership certificates
// arrive from peers and brokers, CSRs from joining hosts through brokers. Each input is tried as
// PEM and, since mutations rarely survive base64, also as DER wrapped into PEM.
#include "security/certificates.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

// The throw-away CA that signed seeds/certificate/member.pem; the member is checked at a fixed
// time inside its validity, so the target behaves the same whenever it runs.
const QByteArray CaPem = QByteArrayLiteral("-----BEGIN CERTIFICATE-----\n"
                                           "MIIBIDCB06ADAgECAhEAkUQ7L9mbV/JTgsRW7ViPgTAFBgMrZXAwDzENMAsGA1UE\n"
                                           "AwwEZnV6ejAgFw0yNjExMjYxMzUxNDNaGA8yMTI2MTEwMjEzNTY0M1owDzENMAsG\n"
                                           "A1UEAwwEZnV6ejAqMAUGAytlcAMhAJ3txrsGxz3fQb/je5XjjHNQQuNqlATq6gc0\n"
                                           "kqzqET72o0IwQDAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAdBgNV\n"
                                           "HQ4EFgQUn1G8KIM0hLkk7TWaIJuRdQIdTdMwBQYDK2VwA0EAisrX9FjTzGTybhc7\n"
                                           "ma8MfVBQZdoM7LqU1hU9DXVSFJX2wcjRl9LP+TKLnsk78mRFrCkH8WiSr2Ip9KOG\n"
                                           "EgmaAw==\n"
                                           "-----END CERTIFICATE-----\n");
const QDateTime CheckedAt(QDate(2026, 12, 1), QTime(0, 0), Qt::UTC);

void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_certificate: invariant broken: %s\n", what);
        std::abort();
    }
}

QByteArray wrap(const QByteArray& der, const char* type)
{
    const QByteArray base64 = der.toBase64();
    QByteArray pem = QByteArray("-----BEGIN ") + type + "-----\n";
    for (qsizetype i = 0; i < base64.size(); i += 64)
        pem += base64.mid(i, 64) + '\n';
    return pem + "-----END " + type + "-----\n";
}

void checkCertificate(const QByteArray& pem)
{
    using namespace pvc::core::certs;
    const auto parsed = parseCertificate(pem);
    require(parsed.ok() || parsed.error().code.startsWith(QLatin1String("cert.")), "unexpected parse error code");
    const auto verified = verifyMembership(pem, CaPem, CheckedAt);
    if (!verified) {
        require(verified.error().code.startsWith(QLatin1String("cert.")), "unexpected verify error code");
        return;
    }
    // Only what parses can verify, and a verified membership is never a CA.
    require(parsed.ok(), "verified what does not parse");
    require(!verified->isCa, "a CA verified as a membership");
    require(verified->fingerprint == parsed->fingerprint, "verify and parse disagree");
}

void checkCsr(const QByteArray& pem)
{
    const auto csr = pvc::core::certs::parseCsr(pem);
    if (csr)
        require(csr->publicKeyPem.startsWith("-----BEGIN PUBLIC KEY-----"), "CSR without a public key");
    else
        require(csr.error().code.startsWith(QLatin1String("csr.")), "unexpected CSR error code");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size > 16 * 1024)
        return 0;
    const QByteArray input = QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size));
    checkCertificate(input);
    checkCsr(input);
    if (!input.startsWith("-----")) {
        checkCertificate(wrap(input, "CERTIFICATE"));
        checkCsr(wrap(input, "CERTIFICATE REQUEST"));
    }
    return 0;
}
