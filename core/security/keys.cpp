#include "security/keys.h"

#include "security/opensslutil.h"

#include <QFile>
#include <QFileInfo>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pvc::core::keys {

using namespace openssl;

namespace {

constexpr int Ed25519SignatureSize = 64;
constexpr long BrokerValidityDays = 3650;

struct FileDescriptor {
    int fd = -1;
    ~FileDescriptor()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

QString systemError(const QString& what, const QString& path)
{
    return QStringLiteral("%1 %2: %3").arg(what, path, QString::fromLocal8Bit(std::strerror(errno)));
}

bool writeAll(int fd, const QByteArray& data)
{
    qsizetype offset = 0;
    while (offset < data.size()) {
        const ssize_t written = ::write(fd, data.constData() + offset, size_t(data.size() - offset));
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return false;
        offset += written;
    }
    return true;
}

// A rename is only durable once the directory entry itself reaches the disk.
void syncDirectory(const QString& directory)
{
    FileDescriptor dir { ::open(QFile::encodeName(directory).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC) };
    if (dir.fd >= 0)
        ::fsync(dir.fd);
}

} // namespace

Result<KeyPair> generateEd25519()
{
    PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    if (!key)
        return makeError("key.generate_failed", opensslError());
    auto privatePem = privateToPem(key.get());
    if (!privatePem)
        return privatePem.error();
    auto publicPem = publicToPem(key.get());
    if (!publicPem)
        return publicPem.error();
    return KeyPair { std::move(privatePem).value(), std::move(publicPem).value() };
}

Result<QByteArray> publicFromPrivate(const QByteArray& privatePem)
{
    auto key = loadEd25519Private(privatePem);
    if (!key)
        return key.error();
    return publicToPem(key->get());
}

Result<QByteArray> sign(const QByteArray& privatePem, const QByteArray& message)
{
    auto key = loadEd25519Private(privatePem);
    if (!key)
        return key.error();
    MdCtxPtr ctx(EVP_MD_CTX_new());
    QByteArray signature(Ed25519SignatureSize, Qt::Uninitialized);
    size_t length = size_t(signature.size());
    // Ed25519 is a one-shot scheme (RFC 8032): no digest, EVP_DigestSign over the whole message.
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key->get()) != 1
        || EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
               reinterpret_cast<const unsigned char*>(message.constData()), size_t(message.size()))
            != 1)
        return makeError("key.sign_failed", opensslError());
    signature.resize(qsizetype(length));
    return signature;
}

bool verify(const QByteArray& publicPem, const QByteArray& message, const QByteArray& signature)
{
    if (publicPem.size() > MaxKeyPem || signature.size() != Ed25519SignatureSize)
        return false;
    PkeyPtr key = readPublicKey(publicPem);
    MdCtxPtr ctx(EVP_MD_CTX_new());
    const bool ok = key && ctx && EVP_PKEY_get_id(key.get()) == EVP_PKEY_ED25519
        && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1
        && EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.constData()),
               size_t(signature.size()), reinterpret_cast<const unsigned char*>(message.constData()),
               size_t(message.size()))
            == 1;
    ERR_clear_error();
    return ok;
}

bool writePrivateKeyFile(const QString& path, const QByteArray& privatePem, QString* error)
{
    auto fail = [error](const QString& why) {
        if (error)
            *error = why;
        return false;
    };
    auto key = loadAnyPrivate(privatePem);
    if (!key)
        return fail(QStringLiteral("refusing to write an invalid private key (%1)").arg(key.error().code));

    // Create a fresh temporary file next to the target (same filesystem, so rename is atomic).
    // O_EXCL guarantees we created it ourselves and it never existed with a wider mode.
    const QFileInfo target(path);
    const QString directory = target.absolutePath();
    QString temporary;
    FileDescriptor file;
    for (int attempt = 0; attempt < 8 && file.fd < 0; ++attempt) {
        std::array<unsigned char, 8> random {};
        if (RAND_bytes(random.data(), int(random.size())) != 1)
            return fail(QStringLiteral("no randomness: %1").arg(opensslError()));
        const QByteArray suffix = QByteArray(reinterpret_cast<const char*>(random.data()), random.size()).toHex();
        temporary = QStringLiteral("%1/.%2.tmp-%3").arg(directory, target.fileName(), QString::fromLatin1(suffix));
        file.fd = ::open(QFile::encodeName(temporary).constData(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
        if (file.fd < 0 && errno != EEXIST)
            break;
    }
    if (file.fd < 0)
        return fail(systemError(QStringLiteral("cannot create"), temporary));

    const QByteArray encodedTemporary = QFile::encodeName(temporary);
    // The umask may only narrow 0600; make it exactly 0600 so the owner can always read it back.
    const bool written = ::fchmod(file.fd, 0600) == 0 && writeAll(file.fd, privatePem) && ::fsync(file.fd) == 0;
    const int closed = ::close(file.fd);
    file.fd = -1;
    if (!written || closed != 0) {
        const QString why = systemError(QStringLiteral("cannot write"), temporary);
        ::unlink(encodedTemporary.constData());
        return fail(why);
    }
    if (::rename(encodedTemporary.constData(), QFile::encodeName(path).constData()) != 0) {
        const QString why = systemError(QStringLiteral("cannot rename onto"), path);
        ::unlink(encodedTemporary.constData());
        return fail(why);
    }
    syncDirectory(directory);
    return true;
}

Result<QByteArray> readPrivateKeyFile(const QString& path)
{
    FileDescriptor file { ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC) };
    if (file.fd < 0)
        return makeError(
            errno == ENOENT ? "key.not_found" : "key.unreadable", systemError(QStringLiteral("open"), path));
    // fstat on the open descriptor, so the checked file is the one we read.
    struct stat info { };
    if (::fstat(file.fd, &info) != 0 || !S_ISREG(info.st_mode))
        return makeError("key.unreadable", QStringLiteral("%1 is not a regular file").arg(path));
    if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        return makeError("key.bad_permissions",
            QStringLiteral("%1 has mode %2; it must be 0600")
                .arg(path)
                .arg(info.st_mode & 07777, 4, 8, QLatin1Char('0')));
    if (info.st_size > MaxKeyPem)
        return makeError("key.too_large", path);

    // Read at most one byte past the limit, in case the file grows between fstat and read.
    QByteArray pem(MaxKeyPem + 1, Qt::Uninitialized);
    qsizetype total = 0;
    while (total < pem.size()) {
        const ssize_t got = ::read(file.fd, pem.data() + total, size_t(pem.size() - total));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return makeError("key.unreadable", systemError(QStringLiteral("read"), path));
        if (got == 0)
            break;
        total += got;
    }
    if (total > MaxKeyPem)
        return makeError("key.too_large", path);
    pem.truncate(total);
    auto key = loadAnyPrivate(pem);
    if (!key)
        return key.error();
    return pem;
}

Result<TlsIdentity> generateBrokerTlsIdentity(const QString& commonName)
{
    const QByteArray cn = commonName.toUtf8();
    if (cn.isEmpty() || cn.size() > 64)
        return makeError("key.bad_argument", QStringLiteral("common name must be 1 to 64 bytes"));
    PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    X509Ptr cert(X509_new());
    BnPtr serial(BN_new());
    if (!key || !cert || !serial)
        return makeError("key.generate_failed", opensslError());

    X509_NAME* name = X509_get_subject_name(cert.get());
    const bool built = X509_set_version(cert.get(), X509_VERSION_3) == 1
        && BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1
        && BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr
        && X509_NAME_add_entry_by_txt(
               name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.constData()), int(cn.size()), -1, 0)
            == 1
        && X509_set_issuer_name(cert.get(), name) == 1
        && X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -300, nullptr) != nullptr
        && X509_time_adj_ex(X509_getm_notAfter(cert.get()), BrokerValidityDays, 0, nullptr) != nullptr
        && X509_set_pubkey(cert.get(), key.get()) == 1 && X509_sign(cert.get(), key.get(), EVP_sha256()) > 0;
    if (!built)
        return makeError("key.generate_failed", opensslError());

    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert.get()) != 1)
        return makeError("key.encode_failed", opensslError());
    auto privatePem = privateToPem(key.get());
    if (!privatePem)
        return privatePem.error();
    return TlsIdentity { bioBytes(bio.get()), std::move(privatePem).value() };
}

} // namespace pvc::core::keys
