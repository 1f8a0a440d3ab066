#include "protocol/stun.h"

#include <QTest>
#include <QtEndian>

using namespace pvc::core;

namespace {

const QByteArray TransactionId = QByteArray::fromHex("0102030405060708090a0b0c");
const QHostAddress MappedAddress(QStringLiteral("198.18.3.4"));
constexpr quint16 MappedPort = 40000;

QByteArray u16(quint16 value)
{
    QByteArray bytes(2, Qt::Uninitialized);
    qToBigEndian(value, bytes.data());
    return bytes;
}

// A STUN header (RFC 5389 section 6) in front of hand-made attributes.
QByteArray message(quint16 type, const QByteArray& attributes, quint32 cookie = 0x2112A442)
{
    QByteArray out = u16(type) + u16(quint16(attributes.size()));
    QByteArray cookieBytes(4, Qt::Uninitialized);
    qToBigEndian(cookie, cookieBytes.data());
    return out + cookieBytes + TransactionId + attributes;
}

QByteArray attribute(quint16 type, const QByteArray& value)
{
    QByteArray out = u16(type) + u16(quint16(value.size())) + value;
    while (out.size() % 4)
        out.append('\0');
    return out;
}

} // namespace

class TestStun : public QObject {
    Q_OBJECT

    static void expectError(const QByteArray& datagram, const char* code)
    {
        const auto decoded = stun::decode(datagram);
        QVERIFY2(!decoded.ok(), "a broken datagram was accepted");
        QCOMPARE(decoded.error().code, QString::fromLatin1(code));
    }

private Q_SLOTS:
    void requestWithUsernameRoundTrip()
    {
        const QString username = QStringLiteral("alice:0123456789abcdef");
        const QByteArray datagram = stun::encodeBindingRequest(TransactionId, username);
        QCOMPARE(datagram.size() % 4, 0);
        const auto decoded = stun::decode(datagram);
        QVERIFY2(decoded.ok(), qPrintable(decoded.error().code));
        QCOMPARE(decoded->type, stun::BindingRequest);
        QCOMPARE(decoded->transactionId, TransactionId);
        QCOMPARE(decoded->username, username);
        QCOMPARE(decoded->mappedPort, quint16(0));
        QVERIFY(decoded->mappedAddress.isNull());
    }

    void requestWithoutUsernameIsBareHeader()
    {
        const QByteArray datagram = stun::encodeBindingRequest(TransactionId, QString());
        QCOMPARE(datagram, QByteArray::fromHex("000100002112a442") + TransactionId);
        const auto decoded = stun::decode(datagram);
        QVERIFY(decoded.ok());
        QVERIFY(decoded->username.isEmpty());
    }

    void usernameLayoutIsPadded()
    {
        // 5 bytes of USERNAME: declared length 5, padded with zeroes to 8 (RFC 5389 section 15).
        const QByteArray datagram = stun::encodeBindingRequest(TransactionId, QStringLiteral("alice"));
        QCOMPARE(datagram.size(), qsizetype(32));
        QCOMPARE(datagram.mid(2, 2), QByteArray::fromHex("000c"));
        QCOMPARE(datagram.mid(20), QByteArray::fromHex("00060005") + "alice" + QByteArray(3, '\0'));
    }

    void longUsernameIsCut()
    {
        const QString username(200, QLatin1Char('u'));
        const auto decoded = stun::decode(stun::encodeBindingRequest(TransactionId, username));
        QVERIFY2(decoded.ok(), qPrintable(decoded.error().code));
        QCOMPARE(decoded->username, username.left(128));
    }

    void successRoundTrip()
    {
        const QByteArray datagram = stun::encodeBindingSuccess(TransactionId, MappedAddress, MappedPort);
        const auto decoded = stun::decode(datagram);
        QVERIFY2(decoded.ok(), qPrintable(decoded.error().code));
        QCOMPARE(decoded->type, stun::BindingSuccess);
        QCOMPARE(decoded->transactionId, TransactionId);
        QCOMPARE(decoded->mappedAddress, MappedAddress);
        QCOMPARE(decoded->mappedAddress.toString(), QStringLiteral("198.18.3.4"));
        QCOMPARE(decoded->mappedPort, MappedPort);
        QVERIFY(decoded->username.isEmpty());
    }

    void successLayoutFollowsRfc5389()
    {
        const QByteArray datagram = stun::encodeBindingSuccess(TransactionId, MappedAddress, MappedPort);
        const QByteArray expected = QByteArray::fromHex("0101" // Binding success response
                                                        "000c" // 12 bytes of attributes
                                                        "2112a442") // magic cookie
            + TransactionId
            + QByteArray::fromHex("0020" // XOR-MAPPED-ADDRESS
                                  "0008" // value length
                                  "0001" // reserved, family IPv4
                                  "bd52" // 40000 (0x9c40) XOR 0x2112
                                  "e700a746"); // 198.18.3.4 (c6120304) XOR 2112a442
        QCOMPARE(datagram.toHex(), expected.toHex());
    }

    void decodesForeignSuccess()
    {
        // A response built by hand, as another STUN server would, with an unknown attribute before ours.
        const QByteArray datagram = message(stun::BindingSuccess,
            attribute(0x8022, "server") + attribute(0x0020, QByteArray::fromHex("0001bd52e700a746")));
        const auto decoded = stun::decode(datagram);
        QVERIFY2(decoded.ok(), qPrintable(decoded.error().code));
        QCOMPARE(decoded->mappedAddress, MappedAddress);
        QCOMPARE(decoded->mappedPort, MappedPort);
    }

    void largestDatagramAccepted()
    {
        const QByteArray datagram = message(stun::BindingRequest, attribute(0x8022, QByteArray(524, 'x')));
        QCOMPARE(datagram.size(), stun::MaxMessageBytes);
        QVERIFY(stun::decode(datagram).ok());
    }

    void oversizedRefused()
    {
        QByteArray datagram = message(stun::BindingRequest, attribute(0x8022, QByteArray(524, 'x')));
        datagram.append('\0');
        QCOMPARE(datagram.size(), qsizetype(549));
        expectError(datagram, "stun.too_large");
    }

    void truncatedHeaderRefused()
    {
        const QByteArray datagram = stun::encodeBindingRequest(TransactionId, QString());
        expectError(datagram.left(19), "stun.truncated");
        expectError(QByteArray(), "stun.truncated");
    }

    void truncatedMessageRefused()
    {
        // The header promises 12 bytes of attributes; only 8 arrive.
        const QByteArray datagram = stun::encodeBindingSuccess(TransactionId, MappedAddress, MappedPort);
        expectError(datagram.left(28), "stun.truncated");
    }

    void truncatedAttributeRefused()
    {
        // The attribute claims 8 bytes of value but the message ends after 4.
        const QByteArray datagram
            = message(stun::BindingSuccess, QByteArray::fromHex("00200008") + QByteArray::fromHex("0001bd52"));
        QCOMPARE(datagram.size(), qsizetype(28));
        expectError(datagram, "stun.truncated");
        // The same with a long USERNAME length.
        expectError(message(stun::BindingRequest, QByteArray::fromHex("0006ffff")), "stun.truncated");
    }

    void wrongMagicCookieRefused()
    {
        expectError(message(stun::BindingRequest, QByteArray(), 0x2112A443), "stun.not_stun");
        expectError(message(stun::BindingRequest, QByteArray(), 0), "stun.not_stun");
    }

    void notStunRefused()
    {
        // The two top bits of a STUN message type are zero (RFC 5389 section 6); RTP or DTLS are not.
        expectError(message(0x8001, QByteArray()), "stun.not_stun");
        // Attribute lengths are padded, so the message length is a multiple of 4.
        QByteArray odd = message(stun::BindingRequest, QByteArray(4, '\0'));
        odd[3] = 3;
        odd.chop(1);
        expectError(odd, "stun.not_stun");
    }

    void badAttributesRefused()
    {
        // IPv6 XOR-MAPPED-ADDRESS (family 2) is not understood.
        expectError(message(stun::BindingSuccess, attribute(0x0020, QByteArray::fromHex("0002bd52e700a746"))),
            "stun.bad_attribute");
        expectError(
            message(stun::BindingSuccess, attribute(0x0020, QByteArray::fromHex("0001bd52"))), "stun.bad_attribute");
        expectError(message(stun::BindingRequest, attribute(0x0006, QByteArray(129, 'u'))), "stun.bad_attribute");
    }

    void newTransactionIdsDiffer()
    {
        const QByteArray a = stun::newTransactionId();
        const QByteArray b = stun::newTransactionId();
        QCOMPARE(a.size(), qsizetype(12));
        QCOMPARE(b.size(), qsizetype(12));
        QVERIFY(a != b);
    }
};

QTEST_GUILESS_MAIN(TestStun)
#include "tst_stun.moc"
