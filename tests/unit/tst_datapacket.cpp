#include "tunnel/datapacket.h"

#include <QTest>
#include <vector>

using namespace pvc::core;

namespace {

std::vector<std::uint8_t> datagram(std::size_t size, std::uint8_t type = 1)
{
    std::vector<std::uint8_t> bytes(size, 0xab);
    if (size > 0)
        bytes[0] = type;
    if (size > 3)
        bytes[2] = bytes[3] = 0;
    if (size > 7) // not the STUN cookie
        bytes[4] = bytes[5] = bytes[6] = bytes[7] = 0x01;
    return bytes;
}

datapacket::ParseError parse(const std::vector<std::uint8_t>& bytes, DataPacket* out = nullptr)
{
    DataPacket scratch;
    return datapacket::parse(bytes.data(), bytes.size(), out ? out : &scratch);
}

} // namespace

class TestDataPacket : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void headerLayoutIsBigEndian()
    {
        std::uint8_t header[16];
        datapacket::writeHeader({ PacketType::Probe, 7, 0x01020304, 0x1122334455667788ULL }, header);
        const std::uint8_t expected[16]
            = { 0x03, 0x07, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
        QCOMPARE(QByteArray(reinterpret_cast<const char*>(header), 16),
            QByteArray(reinterpret_cast<const char*>(expected), 16));
    }

    void roundTrip()
    {
        std::vector<std::uint8_t> bytes(16 + 100 + 16, 0x5a);
        const DataPacketHeader written { PacketType::ProbeReply, 255, 0xfffffffe, ~std::uint64_t(0) };
        datapacket::writeHeader(written, bytes.data());
        DataPacket packet;
        QCOMPARE(parse(bytes, &packet), datapacket::ParseError::None);
        QCOMPARE(packet.header.type, PacketType::ProbeReply);
        QCOMPARE(packet.header.epoch, std::uint8_t(255));
        QCOMPARE(packet.header.receiverIndex, 0xfffffffeU);
        QCOMPARE(packet.header.counter, ~std::uint64_t(0));
        QCOMPARE(packet.headerBytes.data(), bytes.data());
        QCOMPARE(packet.headerBytes.size(), std::size_t(16));
        QCOMPARE(packet.sealed.data(), bytes.data() + 16);
        QCOMPARE(packet.sealed.size(), std::size_t(116));
    }

    void everyTypeAccepted()
    {
        for (std::uint8_t type = 1; type <= 4; ++type) {
            DataPacket packet;
            QCOMPARE(parse(datagram(40, type), &packet), datapacket::ParseError::None);
            QCOMPARE(std::uint8_t(packet.header.type), type);
        }
    }

    void sizeBounds()
    {
        // The smallest datagram is a header and a tag: an empty payload (a keepalive).
        DataPacket packet;
        QCOMPARE(parse(datagram(32), &packet), datapacket::ParseError::None);
        QCOMPARE(packet.sealed.size(), std::size_t(16));
        for (std::size_t size : { 0, 1, 15, 16, 31 })
            QCOMPARE(parse(datagram(size)), datapacket::ParseError::TooShort);
        QCOMPARE(parse(datagram(65535)), datapacket::ParseError::None);
        QCOMPARE(parse(datagram(65536)), datapacket::ParseError::TooLarge);
        QCOMPARE(datapacket::MaxPayloadBytes, std::size_t(65535 - 32));
    }

    void sizeIsCheckedFirst()
    {
        // An oversized datagram is refused as such, whatever its header says.
        auto bytes = datagram(70000, 0x77);
        bytes[2] = 9;
        QCOMPARE(parse(bytes), datapacket::ParseError::TooLarge);
        QCOMPARE(parse(datagram(5, 0x77)), datapacket::ParseError::TooShort);
    }

    void badTypeRefused()
    {
        for (int type : { 0x00, 0x05, 0x7f, 0xf0, 0xff })
            QCOMPARE(parse(datagram(48, std::uint8_t(type))), datapacket::ParseError::BadType);
    }

    void badReservedRefused()
    {
        auto bytes = datagram(48);
        bytes[2] = 1;
        QCOMPARE(parse(bytes), datapacket::ParseError::BadReserved);
        bytes[2] = 0;
        bytes[3] = 0x80;
        QCOMPARE(parse(bytes), datapacket::ParseError::BadReserved);
    }

    void errorCodes()
    {
        QCOMPARE(QByteArray(datapacket::errorCode(datapacket::ParseError::TooLarge)), QByteArray("tunnel.too_large"));
        QCOMPARE(QByteArray(datapacket::errorCode(datapacket::ParseError::TooShort)), QByteArray("tunnel.too_short"));
        QCOMPARE(QByteArray(datapacket::errorCode(datapacket::ParseError::BadType)), QByteArray("tunnel.bad_type"));
        QCOMPARE(
            QByteArray(datapacket::errorCode(datapacket::ParseError::BadReserved)), QByteArray("tunnel.bad_reserved"));
        QCOMPARE(QByteArray(datapacket::errorCode(datapacket::ParseError::None)), QByteArray(""));
    }

    void stunIsNotATunnelDatagram()
    {
        // RFC 5389: type, length, magic cookie, 12-byte transaction id.
        std::vector<std::uint8_t> request = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };
        request.resize(20, 0x33);
        QVERIFY(!datapacket::isTunnelDatagram(request.data(), request.size()));
        // A Binding success starts with 0x01, as a data packet does: the cookie tells them apart.
        std::vector<std::uint8_t> success = { 0x01, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x42 };
        success.resize(32, 0x44);
        QVERIFY(!datapacket::isTunnelDatagram(success.data(), success.size()));

        const auto data = datagram(48);
        QVERIFY(datapacket::isTunnelDatagram(data.data(), data.size()));
        const std::uint8_t relay[] = { 0xf0, 0, 0, 0, 1, 2, 3, 4 };
        QVERIFY(!datapacket::isTunnelDatagram(relay, sizeof relay));
        QVERIFY(!datapacket::isTunnelDatagram(nullptr, 0));
        // Short but typed: it belongs to the tunnel, whose parser refuses it.
        const std::uint8_t stub[] = { 0x02, 0x00 };
        QVERIFY(datapacket::isTunnelDatagram(stub, sizeof stub));
    }

    void usableIndices()
    {
        QVERIFY(!datapacket::isUsableIndex(0));
        QVERIFY(!datapacket::isUsableIndex(0x2112a442));
        QVERIFY(datapacket::isUsableIndex(1));
        QVERIFY(datapacket::isUsableIndex(0xffffffff));
    }
};

QTEST_GUILESS_MAIN(TestDataPacket)
#include "tst_datapacket.moc"
