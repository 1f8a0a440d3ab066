#include "security/tlssession.h"

#include "security/certificates.h"
#include "security/opensslutil.h"

#include <algorithm>
#include <array>
#include <memory>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <utility>

namespace pvc::core {

namespace {

constexpr int MaxExportLength = 1024;
constexpr qsizetype FeedChunk = 1 << 20;

using namespace openssl;
using CtxPtr = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, Deleter<SSL_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;

// Null when too large or unreadable; the reason, if any, stays queued for configError().
X509Ptr certificateOrNull(const QByteArray& pem)
{
    return pem.size() > certs::MaxCertificatePem ? nullptr : readCertificate(pem);
}

PkeyPtr privateKeyOrNull(const QByteArray& pem)
{
    return pem.size() > MaxKeyPem ? nullptr : readPrivateKey(pem);
}

Error configError(const QString& what)
{
    const QString reason = takeError();
    return makeError("tls.bad_config", reason.isEmpty() ? what : QStringLiteral("%1: %2").arg(what, reason));
}

} // namespace

struct TlsSession::Private {
    CtxPtr ctx;
    SslPtr ssl;
    BIO* readBio = nullptr; // owned by ssl
    BIO* writeBio = nullptr; // owned by ssl
    Role role = Role::Client;
    QByteArray plaintext;
    bool handshakeDone = false;
    bool failed = false;
    Error error;

    bool fail(const char* code, const QString& detail)
    {
        failed = true;
        error = makeError(code, detail);
        return false;
    }

    // Called after an SSL_* call failed with sslError (from SSL_get_error). Whatever alert OpenSSL
    // produced is already in writeBio, so takeOutgoing() still delivers it to the peer.
    bool failWith(int sslError)
    {
        if (sslError == SSL_ERROR_ZERO_RETURN) {
            ERR_clear_error();
            return fail("tls.closed", QStringLiteral("the peer sent close_notify"));
        }
        const unsigned long first = ERR_peek_error();
        const QString reason = takeError();
        const long verify = SSL_get_verify_result(ssl.get());
        if (verify == X509_V_ERR_IP_ADDRESS_MISMATCH)
            return fail("tls.peer_ip_mismatch", QString::fromLatin1(X509_verify_cert_error_string(verify)));
        if (verify != X509_V_OK)
            return fail("tls.peer_untrusted", QString::fromLatin1(X509_verify_cert_error_string(verify)));
        if (ERR_GET_LIB(first) == ERR_LIB_SSL && ERR_GET_REASON(first) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
            return fail("tls.peer_untrusted", reason);
        return fail("tls.handshake_failed", reason.isEmpty() ? QStringLiteral("SSL error %1").arg(sslError) : reason);
    }

    bool driveHandshake()
    {
        const int result = SSL_do_handshake(ssl.get());
        if (result == 1) {
            handshakeDone = true;
            return true;
        }
        const int sslError = SSL_get_error(ssl.get(), result);
        if (sslError == SSL_ERROR_WANT_READ || sslError == SSL_ERROR_WANT_WRITE)
            return true;
        return failWith(sslError);
    }

    bool drainRecords()
    {
        std::array<char, 16 * 1024> buffer {};
        for (;;) {
            size_t got = 0;
            const int result = SSL_read_ex(ssl.get(), buffer.data(), buffer.size(), &got);
            if (result == 1) {
                plaintext.append(buffer.data(), qsizetype(got));
                continue;
            }
            const int sslError = SSL_get_error(ssl.get(), result);
            if (sslError == SSL_ERROR_WANT_READ || sslError == SSL_ERROR_WANT_WRITE)
                return true;
            return failWith(sslError);
        }
    }
};

TlsSession::TlsSession()
    : d(std::make_unique<Private>())
{
}

TlsSession::~TlsSession() = default;

Result<std::unique_ptr<TlsSession>> TlsSession::create(const Config& config)
{
    ERR_clear_error();
    X509Ptr certificate = certificateOrNull(config.certificatePem);
    if (!certificate)
        return configError(QStringLiteral("bad certificate"));
    PkeyPtr key = privateKeyOrNull(config.privatePem);
    if (!key)
        return configError(QStringLiteral("bad private key"));
    X509Ptr ca = certificateOrNull(config.caCertificatePem);
    if (!ca)
        return configError(QStringLiteral("bad CA certificate"));

    std::unique_ptr<TlsSession> session(new TlsSession);
    Private& p = *session->d;
    p.role = config.role;
    p.ctx.reset(SSL_CTX_new(TLS_method()));
    if (!p.ctx)
        return configError(QStringLiteral("no TLS context"));
    SSL_CTX* ctx = p.ctx.get();
    // TLS 1.3 only (RFC 8446); no resumption, so no session tickets or cache.
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1
        || SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 || SSL_CTX_set_num_tickets(ctx, 0) != 1)
        return configError(QStringLiteral("cannot restrict to TLS 1.3"));
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (SSL_CTX_use_certificate(ctx, certificate.get()) != 1 || SSL_CTX_use_PrivateKey(ctx, key.get()) != 1
        || SSL_CTX_check_private_key(ctx) != 1)
        return configError(QStringLiteral("certificate and key do not match"));

    // The project CA is the only trust anchor; default verify paths are never loaded.
    StorePtr store(X509_STORE_new());
    if (!store || X509_STORE_add_cert(store.get(), ca.get()) != 1)
        return configError(QStringLiteral("cannot build the trust store"));
    SSL_CTX_set_cert_store(ctx, store.release());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);

    p.ssl.reset(SSL_new(ctx));
    if (!p.ssl)
        return configError(QStringLiteral("no TLS session"));
    if (!config.expectedPeerIp.isEmpty()
        && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(p.ssl.get()), config.expectedPeerIp.toLatin1().constData())
            != 1)
        return configError(QStringLiteral("bad expected peer IP %1").arg(config.expectedPeerIp));

    BioPtr readBio(BIO_new(BIO_s_mem()));
    BioPtr writeBio(BIO_new(BIO_s_mem()));
    if (!readBio || !writeBio)
        return configError(QStringLiteral("no memory BIO"));
    // An empty memory BIO means "no data yet" (retry), not end of stream.
    BIO_set_mem_eof_return(readBio.get(), -1);
    BIO_set_mem_eof_return(writeBio.get(), -1);
    p.readBio = readBio.release();
    p.writeBio = writeBio.release();
    SSL_set_bio(p.ssl.get(), p.readBio, p.writeBio);
    if (config.role == Role::Client)
        SSL_set_connect_state(p.ssl.get());
    else
        SSL_set_accept_state(p.ssl.get());
    return session;
}

bool TlsSession::start()
{
    if (d->failed)
        return false;
    if (d->role == Role::Server || d->handshakeDone)
        return true;
    ERR_clear_error();
    return d->driveHandshake();
}

bool TlsSession::feed(const QByteArray& ciphertext)
{
    if (d->failed)
        return false;
    ERR_clear_error();
    for (qsizetype offset = 0; offset < ciphertext.size();) {
        const int chunk = int(std::min(ciphertext.size() - offset, FeedChunk));
        const int written = BIO_write(d->readBio, ciphertext.constData() + offset, chunk);
        if (written <= 0)
            return d->fail("tls.internal", QStringLiteral("cannot buffer ciphertext"));
        offset += written;
    }
    if (!d->handshakeDone && !d->driveHandshake())
        return false;
    return !d->handshakeDone || d->drainRecords();
}

QByteArray TlsSession::takeOutgoing()
{
    const size_t pending = BIO_ctrl_pending(d->writeBio);
    if (pending == 0)
        return {};
    QByteArray out(qsizetype(pending), Qt::Uninitialized);
    size_t got = 0;
    if (BIO_read_ex(d->writeBio, out.data(), pending, &got) != 1)
        got = 0;
    out.truncate(qsizetype(got));
    return out;
}

bool TlsSession::write(const QByteArray& plaintext)
{
    if (d->failed || !d->handshakeDone)
        return false;
    ERR_clear_error();
    for (qsizetype offset = 0; offset < plaintext.size();) {
        size_t written = 0;
        const int result
            = SSL_write_ex(d->ssl.get(), plaintext.constData() + offset, size_t(plaintext.size() - offset), &written);
        if (result != 1)
            return d->failWith(SSL_get_error(d->ssl.get(), result));
        offset += qsizetype(written);
    }
    return true;
}

QByteArray TlsSession::takePlaintext()
{
    return std::exchange(d->plaintext, {});
}

bool TlsSession::handshakeComplete() const
{
    return d->handshakeDone;
}

bool TlsSession::failed() const
{
    return d->failed;
}

Error TlsSession::error() const
{
    return d->error;
}

QByteArray TlsSession::peerCertificatePem() const
{
    X509* peer = SSL_get0_peer_certificate(d->ssl.get());
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!peer || !bio || PEM_write_bio_X509(bio.get(), peer) != 1) {
        ERR_clear_error();
        return {};
    }
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, qsizetype(size));
}

Result<QByteArray> TlsSession::exportKeyingMaterial(
    const QByteArray& label, const QByteArray& context, int length) const
{
    if (!d->handshakeDone || d->failed)
        return makeError("tls.not_ready", QStringLiteral("the handshake has not completed"));
    if (length < 1 || length > MaxExportLength || label.isEmpty() || context.size() > 1024)
        return makeError("tls.bad_argument", QStringLiteral("bad exporter label, context or length"));
    QByteArray secret(length, Qt::Uninitialized);
    if (SSL_export_keying_material(d->ssl.get(), reinterpret_cast<unsigned char*>(secret.data()), size_t(length),
            label.constData(), size_t(label.size()), reinterpret_cast<const unsigned char*>(context.constData()),
            size_t(context.size()), 1)
        != 1)
        return makeError("tls.export_failed", takeError());
    return secret;
}

Result<QByteArray> TlsSession::exportKeyingMaterial(const QByteArray& label, int length) const
{
    if (!d->handshakeDone || d->failed)
        return makeError("tls.not_ready", QStringLiteral("the handshake has not completed"));
    if (length < 1 || length > MaxExportLength || label.isEmpty())
        return makeError("tls.bad_argument", QStringLiteral("bad exporter label or length"));
    QByteArray secret(length, Qt::Uninitialized);
    // RFC 8446 section 7.5: no context is distinct from an empty context; we use none.
    if (SSL_export_keying_material(d->ssl.get(), reinterpret_cast<unsigned char*>(secret.data()), size_t(length),
            label.constData(), size_t(label.size()), nullptr, 0, 0)
        != 1)
        return makeError("tls.export_failed", takeError());
    return secret;
}

} // namespace pvc::core
