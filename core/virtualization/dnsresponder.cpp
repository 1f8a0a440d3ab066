#include "virtualization/dnsresponder.h"

#include <QList>
#include <algorithm>

namespace pvc::core {

namespace {
constexpr qsizetype HeaderBytes = 12;
constexpr qsizetype MaxNameBytes = 255; // RFC 1035 section 2.3.4, wire form
constexpr quint16 TypeA = 1;
constexpr quint16 TypeAny = 255;
constexpr quint16 ClassIn = 1;

enum Rcode : quint8 { NoError = 0, FormErr = 1, NxDomain = 3, NotImp = 4, Refused = 5 };

quint16 read16(const QByteArray& data, qsizetype at)
{
    return quint16(quint8(data[at]) << 8 | quint8(data[at + 1]));
}

void append16(QByteArray& out, quint16 value)
{
    out.append(char(value >> 8));
    out.append(char(value));
}

void append32(QByteArray& out, quint32 value)
{
    append16(out, quint16(value >> 16));
    append16(out, quint16(value));
}

// RFC 1035 section 4.1.1. The response copies ID, opcode and RD; RA stays 0 (no recursion here).
// authoritative is set for names in our domain only: for the rest we have no say.
QByteArray header(const QByteArray& query, quint8 rcode, bool authoritative, bool withQuestion, bool withAnswer)
{
    QByteArray out;
    out.reserve(HeaderBytes);
    out.append(query[0]);
    out.append(query[1]);
    const quint8 opcodeAndRd = quint8(query[2]) & 0x79;
    out.append(char(0x80 | opcodeAndRd | (authoritative ? 0x04 : 0)));
    out.append(char(rcode));
    append16(out, withQuestion ? 1 : 0);
    append16(out, withAnswer ? 1 : 0);
    append16(out, 0);
    append16(out, 0);
    return out;
}
} // namespace

DnsResponder::DnsResponder(const QString& domain, Lookup lookup)
    : m_domain(domain.toLatin1().toLower())
    , m_lookup(std::move(lookup))
{
    if (m_domain.endsWith('.'))
        m_domain.chop(1);
}

std::optional<QByteArray> DnsResponder::answer(const QByteArray& query) const
{
    // Checked before anything is read. Without a whole header there is no ID to answer to, and a
    // datagram with QR set is a response: answering it could start a loop.
    if (query.size() > MaxQueryBytes || query.size() < HeaderBytes || (quint8(query[2]) & 0x80))
        return std::nullopt;
    const quint8 opcode = (quint8(query[2]) >> 3) & 0x0f;
    if (opcode != 0)
        return header(query, NotImp, false, false, false);
    if (read16(query, 4) != 1)
        return header(query, FormErr, false, false, false);

    // The question name, label by label. Compression pointers (and the reserved 01/10 label
    // types) have no place in the only question of a query: refusing them keeps this a plain walk.
    QList<QByteArray> labels;
    qsizetype at = HeaderBytes;
    for (;;) {
        if (at >= query.size() || at - HeaderBytes >= MaxNameBytes)
            return header(query, FormErr, false, false, false);
        const quint8 length = quint8(query[at]);
        ++at;
        if (length == 0)
            break;
        if ((length & 0xc0) || at + length > query.size())
            return header(query, FormErr, false, false, false);
        // DNS names compare case-insensitively in ASCII only (RFC 4343).
        labels.append(query.mid(at, length).toLower());
        at += length;
    }
    if (at - HeaderBytes > MaxNameBytes || at + 4 > query.size())
        return header(query, FormErr, false, false, false);
    const quint16 qtype = read16(query, at);
    const quint16 qclass = read16(query, at + 2);
    const QByteArray question = query.mid(HeaderBytes, at + 4 - HeaderBytes); // echoed as sent, case and all

    QByteArray name = labels.join('.');
    const bool apex = name == m_domain;
    const bool inside = apex || (name.endsWith('.' + m_domain) && !m_domain.isEmpty());
    if (!inside || qclass != ClassIn)
        return header(query, Refused, false, true, false) + question;

    if (apex)
        return header(query, NoError, true, true, false) + question;
    name.chop(m_domain.size() + 1);
    // Hosts are single labels of letters, digits and dashes; nothing else is worth a lookup.
    const bool hostLike = labels.size() == qsizetype(m_domain.count('.')) + 2
        && std::all_of(name.cbegin(), name.cend(),
            [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
    const std::optional<quint32> address = hostLike ? m_lookup(QString::fromLatin1(name)) : std::nullopt;
    if (!address)
        return header(query, NxDomain, true, true, false) + question;
    if (qtype != TypeA && qtype != TypeAny)
        return header(query, NoError, true, true, false) + question; // NODATA: the name exists

    QByteArray out = header(query, NoError, true, true, true) + question;
    append16(out, 0xc000 | HeaderBytes); // the name: a pointer to the question's
    append16(out, TypeA);
    append16(out, ClassIn);
    append32(out, TtlSeconds);
    append16(out, 4);
    append32(out, *address);
    return out;
}

} // namespace pvc::core
