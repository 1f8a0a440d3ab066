#include "tunnel/datapacket.h"

namespace pvc::core::datapacket {

namespace {

std::uint32_t readU32(const std::uint8_t* p)
{
    return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | std::uint32_t(p[3]);
}

std::uint64_t readU64(const std::uint8_t* p)
{
    return std::uint64_t(readU32(p)) << 32 | readU32(p + 4);
}

void writeU32(std::uint8_t* p, std::uint32_t value)
{
    p[0] = std::uint8_t(value >> 24);
    p[1] = std::uint8_t(value >> 16);
    p[2] = std::uint8_t(value >> 8);
    p[3] = std::uint8_t(value);
}

bool isV1Type(std::uint8_t type)
{
    return type >= std::uint8_t(PacketType::Data) && type <= std::uint8_t(PacketType::ProbeReply);
}

} // namespace

const char* errorCode(ParseError error)
{
    switch (error) {
    case ParseError::None:
        return "";
    case ParseError::TooLarge:
        return "tunnel.too_large";
    case ParseError::TooShort:
        return "tunnel.too_short";
    case ParseError::BadType:
        return "tunnel.bad_type";
    case ParseError::BadReserved:
        return "tunnel.bad_reserved";
    }
    return "tunnel.unknown";
}

bool isTunnelDatagram(const std::uint8_t* data, std::size_t size)
{
    if (size == 0 || !isV1Type(data[0]))
        return false;
    // A STUN Binding success (type 0x0101) starts with 0x01 like a data packet; its cookie tells.
    return size < 8 || readU32(data + 4) != StunMagicCookie;
}

bool isUsableIndex(std::uint32_t index)
{
    return index != 0 && index != StunMagicCookie;
}

ParseError parse(const std::uint8_t* data, std::size_t size, DataPacket* out)
{
    if (size > MaxDatagramBytes)
        return ParseError::TooLarge;
    if (size < OverheadBytes)
        return ParseError::TooShort;
    if (!isV1Type(data[0]))
        return ParseError::BadType;
    if (data[2] != 0 || data[3] != 0)
        return ParseError::BadReserved;
    out->header.type = PacketType(data[0]);
    out->header.epoch = data[1];
    out->header.receiverIndex = readU32(data + 4);
    out->header.counter = readU64(data + 8);
    out->headerBytes = { data, HeaderBytes };
    out->sealed = { data + HeaderBytes, size - HeaderBytes };
    return ParseError::None;
}

void writeHeader(const DataPacketHeader& header, std::uint8_t* out)
{
    out[0] = std::uint8_t(header.type);
    out[1] = header.epoch;
    out[2] = 0;
    out[3] = 0;
    writeU32(out + 4, header.receiverIndex);
    writeU32(out + 8, std::uint32_t(header.counter >> 32));
    writeU32(out + 12, std::uint32_t(header.counter));
}

} // namespace pvc::core::datapacket
