#pragma once

#include <QByteArray>
#include <QList>

namespace pvc::core {

// The parts of an RFC 1035 (section 4.1) message the overlay's DNS reads and writes.
namespace dns {
constexpr qsizetype HeaderBytes = 12;
constexpr qsizetype MaxNameBytes = 255; // RFC 1035 section 2.3.4, wire form
constexpr quint16 TypeA = 1;
constexpr quint16 TypeAny = 255;
constexpr quint16 ClassIn = 1;
enum Rcode : quint8 { NoError = 0, FormErr = 1, NxDomain = 3, NotImp = 4, Refused = 5 };
} // namespace dns

// A DNS query datagram, read as far as a responder needs: the header, then the one question. The
// datagram must outlive it. Anything a stub resolver would not send is Malformed rather than guessed
// at, so the walk stays plain (see parse()).
class DnsQuery {
public:
    enum class Status {
        Ignored, // no header to answer to, or a response (answering it could start a loop)
        NotImplemented, // an opcode other than QUERY
        Malformed, // answer FORMERR
        Parsed,
    };

    explicit DnsQuery(const QByteArray& datagram);

    Status status() const { return m_status; }
    const QByteArray& datagram() const { return m_datagram; }
    // Parsed only: the question name's labels, lowercased (DNS names compare case-insensitively in
    // ASCII only, RFC 4343), its type and class, and the question section as sent, case and all, which
    // a response echoes.
    const QList<QByteArray>& labels() const { return m_labels; }
    quint16 type() const { return m_type; }
    quint16 qclass() const { return m_class; }
    QByteArray question() const;

    static quint16 read16(const QByteArray& data, qsizetype at);

private:
    Status parse();
    bool readName();

    const QByteArray& m_datagram;
    QList<QByteArray> m_labels;
    qsizetype m_end = dns::HeaderBytes; // past the question
    quint16 m_type = 0;
    quint16 m_class = 0;
    Status m_status;
};

} // namespace pvc::core
