#include "security/invitetoken.h"

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>
#include <QRandomGenerator>
#include <QRegularExpression>

namespace pvc::core {

namespace {
constexpr int SecretBytes = 24;
constexpr int IdBytes = 8;
constexpr auto Base64Url = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;

QByteArray randomBytes(int count)
{
    QByteArray bytes(count, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(bytes.data()), count / 4);
    return bytes;
}
} // namespace

InviteToken InviteToken::generate()
{
    return InviteToken { QString::fromLatin1(randomBytes(IdBytes).toHex()), randomBytes(SecretBytes) };
}

Result<InviteToken> InviteToken::parse(const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.size() > 128)
        return makeError("enrol.token_malformed", QStringLiteral("the invite token is too long"));
    static const QRegularExpression pattern(QStringLiteral("^pvc1-([0-9a-f]{16})-([A-Za-z0-9_-]{32})$"));
    const QRegularExpressionMatch match = pattern.match(trimmed);
    if (!match.hasMatch())
        return makeError("enrol.token_malformed", QStringLiteral("this is not a pvc invite token"));
    const QByteArray secret = QByteArray::fromBase64(match.captured(2).toLatin1(), Base64Url);
    if (secret.size() != SecretBytes)
        return makeError("enrol.token_malformed", QStringLiteral("the token's secret has the wrong length"));
    return InviteToken { match.captured(1), secret };
}

QString InviteToken::toString() const
{
    return QStringLiteral("pvc1-%1-%2").arg(id, QString::fromLatin1(secret.toBase64(Base64Url)));
}

QByteArray InviteToken::proofFor(const QString& name, const QByteArray& csrPem) const
{
    const QByteArray message = "pvc-enrol-v1\n" + id.toLatin1() + '\n' + name.toUtf8() + '\n' + csrPem;
    return QMessageAuthenticationCode::hash(message, secret, QCryptographicHash::Sha256);
}

bool InviteToken::checkProof(const QString& name, const QByteArray& csrPem, const QByteArray& proof) const
{
    const QByteArray expected = proofFor(name, csrPem);
    if (proof.size() != expected.size())
        return false;
    // Constant time: the proof is attacker-supplied.
    unsigned char diff = 0;
    for (qsizetype i = 0; i < expected.size(); ++i)
        diff |= static_cast<unsigned char>(expected[i] ^ proof[i]);
    return diff == 0;
}

} // namespace pvc::core
