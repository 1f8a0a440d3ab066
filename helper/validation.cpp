#include "validation.h"

#include "synpacket.h"

#include <QRegularExpression>
#include <arpa/inet.h>
#include <cmath>

namespace pvc::helper {

namespace {

constexpr quint32 ClassE = 0xF0000000; // 240.0.0.0/4, the overlay's range (RFC 1112 "reserved")

Refusal refuse(const char* code, const QString& detail)
{
    return Refusal { QString::fromLatin1(code), detail };
}

// JSON numbers are doubles: accept only integral values inside [low, high] (NaN fails both tests).
bool readInt(const QJsonValue& value, int low, int high, int* out)
{
    const double number = value.toDouble(std::nan(""));
    if (!value.isDouble() || !(number >= low && number <= high) || number != std::floor(number))
        return false;
    *out = int(number);
    return true;
}

// A dotted IPv4 address, host byte order. The pattern also keeps out what inet_pton would read past: an
// embedded NUL, trailing text.
bool readDotted(const QJsonValue& value, quint32* address)
{
    static const QRegularExpression dotted(
        QRegularExpression::anchoredPattern(QStringLiteral("[0-9]{1,3}(\\.[0-9]{1,3}){3}")));
    in_addr parsed {};
    if (!value.isString() || !dotted.match(value.toString()).hasMatch()
        || inet_pton(AF_INET, value.toString().toLatin1().constData(), &parsed) != 1)
        return false;
    *address = ntohl(parsed.s_addr);
    return true;
}

std::optional<Refusal> parseAddress(const QJsonObject& request, quint32* address)
{
    if (!readDotted(request.value(QLatin1String("address")), address))
        return refuse("helper.bad_address", QStringLiteral("address must be a dotted IPv4 address"));
    if ((*address & ClassE) != ClassE || *address == 0xFFFFFFFF)
        return refuse("helper.bad_address", QStringLiteral("address must lie inside 240.0.0.0/4"));
    return std::nullopt;
}

} // namespace

std::optional<Refusal> parseName(const QJsonObject& request, QString* name)
{
    // anchoredPattern, because "$" would also match before a trailing newline.
    // No leading zeros: pvc0 to pvc999, one name per number, so the name space is the 1,000 it seems.
    static const QRegularExpression pattern(
        QRegularExpression::anchoredPattern(QStringLiteral("pvc(0|[1-9][0-9]{0,2})")));
    const QJsonValue value = request.value(QLatin1String("name"));
    if (!value.isString() || !pattern.match(value.toString()).hasMatch())
        return refuse("helper.bad_name", QStringLiteral("name must be pvc0 to pvc999, without leading zeros"));
    *name = value.toString();
    return std::nullopt;
}

std::optional<Refusal> parseTunRequest(const QJsonObject& request, TunRequest* tun)
{
    if (auto refusal = parseName(request, &tun->name))
        return refusal;
    if (auto refusal = parseAddress(request, &tun->address))
        return refusal;
    if (!readInt(request.value(QLatin1String("prefix")), 4, 30, &tun->prefix))
        return refuse("helper.bad_prefix", QStringLiteral("prefix must be an integer from 4 to 30"));
    if (!readInt(request.value(QLatin1String("mtu")), 1280, 9000, &tun->mtu))
        return refuse("helper.bad_mtu", QStringLiteral("mtu must be an integer from 1280 to 9000"));

    // With prefix >= 4 the network stays inside 240.0.0.0/4; checked anyway so the rule is visible.
    const quint32 mask = ~quint32(0) << (32 - tun->prefix);
    const quint32 network = tun->address & mask;
    if ((network & ClassE) != ClassE)
        return refuse("helper.bad_prefix", QStringLiteral("network must lie inside 240.0.0.0/4"));
    if (tun->address == network || tun->address == (network | ~mask))
        return refuse("helper.bad_address", QStringLiteral("address is the network or broadcast address"));
    return std::nullopt;
}

std::optional<Refusal> parseDnsRequest(const QJsonObject& request, quint32* address)
{
    if (auto refusal = parseAddress(request, address))
        return refusal;
    const QJsonValue port = request.value(QLatin1String("port"));
    int number = 0;
    if (!port.isUndefined() && !(readInt(port, 53, 53, &number)))
        return refuse("helper.bad_port", QStringLiteral("only port 53 is handed out"));
    return std::nullopt;
}

std::optional<Refusal> parseTcpPort(const QJsonObject& request, quint16* port)
{
    int number = 0;
    if (!readInt(request.value(QLatin1String("port")), 1024, 65535, &number))
        return refuse("helper.bad_port", QStringLiteral("port must be an integer from 1024 to 65535"));
    *port = quint16(number);
    return std::nullopt;
}

std::optional<Refusal> parseCaptureRequest(const QJsonObject& request, CaptureRequest* capture)
{
    if (auto refusal = parseTcpPort(request, &capture->port))
        return refusal;
    if (!readDotted(request.value(QLatin1String("to")), &capture->to))
        return refuse("helper.bad_address", QStringLiteral("to must be the dotted IPv4 address connect() goes to"));
    const quint32 first = capture->to >> 24;
    if (first == 0 || first == 127 || first >= 224)
        return refuse("helper.bad_address", QStringLiteral("to must be a unicast address outside 0/8 and 127/8"));
    int toPort = 0;
    if (!readInt(request.value(QLatin1String("to_port")), 1, 65535, &toPort))
        return refuse("helper.bad_port", QStringLiteral("to_port must be an integer from 1 to 65535"));
    capture->toPort = quint16(toPort);
    return std::nullopt;
}

std::optional<Refusal> parseSynRequest(const QJsonObject& request, QByteArray* packet)
{
    // Padded base64 only, and no longer than MaxSynBytes encode to, before anything is decoded.
    static const QRegularExpression base64(QRegularExpression::anchoredPattern(
        QStringLiteral("([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")));
    const QJsonValue value = request.value(QLatin1String("packet"));
    const QString text = value.toString();
    if (!value.isString() || text.size() > (MaxSynBytes + 2) / 3 * 4 || !base64.match(text).hasMatch())
        return refuse(
            "helper.bad_packet", QStringLiteral("packet must be base64 of at most %1 bytes").arg(MaxSynBytes));
    auto decoded = QByteArray::fromBase64Encoding(text.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.size() > MaxSynBytes)
        return refuse(
            "helper.bad_packet", QStringLiteral("packet must be base64 of at most %1 bytes").arg(MaxSynBytes));
    *packet = *decoded;
    return std::nullopt;
}

} // namespace pvc::helper
