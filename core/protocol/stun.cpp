#include "protocol/stun.h"

#include <QRandomGenerator>
#include <QtEndian>

namespace pvc::core::stun {

namespace {
constexpr quint32 MagicCookie = 0x2112A442;
constexpr quint16 AttrUsername = 0x0006;
constexpr quint16 AttrXorMappedAddress = 0x0020;
constexpr int HeaderBytes = 20;
constexpr int MaxUsernameBytes = 128;

void putU16(QByteArray& out, quint16 value)
{
    char bytes[2];
    qToBigEndian(value, bytes);
    out.append(bytes, 2);
}

void putU32(QByteArray& out, quint32 value)
{
    char bytes[4];
    qToBigEndian(value, bytes);
    out.append(bytes, 4);
}

QByteArray header(quint16 type, const QByteArray& transactionId, const QByteArray& attributes)
{
    QByteArray out;
    putU16(out, type);
    putU16(out, quint16(attributes.size()));
    putU32(out, MagicCookie);
    out += transactionId.left(12).leftJustified(12, '\0');
    return out + attributes;
}

void putAttribute(QByteArray& out, quint16 type, const QByteArray& value)
{
    putU16(out, type);
    putU16(out, quint16(value.size()));
    out += value;
    while (out.size() % 4)
        out.append('\0');
}

quint16 u16(const char* p)
{
    return qFromBigEndian<quint16>(p);
}
quint32 u32(const char* p)
{
    return qFromBigEndian<quint32>(p);
}
} // namespace

QByteArray newTransactionId()
{
    QByteArray id(12, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32*>(id.data()), 3);
    return id;
}

QByteArray encodeBindingRequest(const QByteArray& transactionId, const QString& username)
{
    QByteArray attributes;
    if (!username.isEmpty())
        putAttribute(attributes, AttrUsername, username.toUtf8().left(MaxUsernameBytes));
    return header(BindingRequest, transactionId, attributes);
}

QByteArray encodeBindingSuccess(const QByteArray& transactionId, const QHostAddress& address, quint16 port)
{
    QByteArray value;
    putU16(value, 0x0001); // reserved byte 0, family IPv4
    putU16(value, port ^ quint16(MagicCookie >> 16));
    putU32(value, address.toIPv4Address() ^ MagicCookie);
    QByteArray attributes;
    putAttribute(attributes, AttrXorMappedAddress, value);
    return header(BindingSuccess, transactionId, attributes);
}

Result<Message> decode(const QByteArray& datagram)
{
    if (datagram.size() > MaxMessageBytes)
        return makeError("stun.too_large");
    if (datagram.size() < HeaderBytes)
        return makeError("stun.truncated");
    const char* data = datagram.constData();
    Message message;
    message.type = u16(data);
    const int length = u16(data + 2);
    if ((message.type & 0xC000) != 0 || u32(data + 4) != MagicCookie || length % 4 != 0)
        return makeError("stun.not_stun");
    if (HeaderBytes + length != datagram.size())
        return makeError("stun.truncated");
    message.transactionId = datagram.mid(8, 12);

    int offset = HeaderBytes;
    while (offset + 4 <= datagram.size()) {
        const quint16 type = u16(data + offset);
        const int valueLength = u16(data + offset + 2);
        const int valueStart = offset + 4;
        if (valueStart + valueLength > datagram.size())
            return makeError("stun.truncated");
        const char* value = data + valueStart;
        if (type == AttrUsername) {
            if (valueLength > MaxUsernameBytes)
                return makeError("stun.bad_attribute", QStringLiteral("USERNAME too long"));
            message.username = QString::fromUtf8(value, valueLength);
        } else if (type == AttrXorMappedAddress) {
            if (valueLength != 8 || u16(value) != 0x0001)
                return makeError("stun.bad_attribute", QStringLiteral("only IPv4 XOR-MAPPED-ADDRESS is understood"));
            message.mappedPort = u16(value + 2) ^ quint16(MagicCookie >> 16);
            message.mappedAddress = QHostAddress(u32(value + 4) ^ MagicCookie);
        }
        offset = valueStart + ((valueLength + 3) & ~3);
    }
    return message;
}

} // namespace pvc::core::stun
