#pragma once

#include <QByteArray>
#include <QString>
#include <functional>
#include <optional>

// The overlay's DNS: pvcd answers "<host>.<domain>" with the host's virtual IP (RFC 1035 over UDP).
// It is authoritative for the domain only and recurses for nobody. This class decides the answer;
// DnsQuery reads the query and DnsReply writes the response.
namespace pvc::core {

class DnsResponder {
public:
    // Classic DNS over UDP; larger datagrams are dropped unread.
    static constexpr qsizetype MaxQueryBytes = 512;
    static constexpr quint32 TtlSeconds = 60;

    // Maps a host name (one lowercase label) to its virtual IP in host byte order.
    using Lookup = std::function<std::optional<quint32>(const QString& host)>;

    // domain: e.g. "pvc" or "grid.example.org"; case and a trailing dot do not matter.
    DnsResponder(const QString& domain, Lookup lookup);

    // The response datagram for a query, or nothing when no answer should be sent (oversize, no
    // readable header, or a datagram that is itself a response).
    std::optional<QByteArray> answer(const QByteArray& query) const;

private:
    // host: the name less the domain; labelCount: labels of the whole name.
    std::optional<quint32> lookupHost(const QByteArray& host, qsizetype labelCount) const;

    QByteArray m_domain; // lowercase wire-order labels joined by '.', no trailing dot
    Lookup m_lookup;
};

} // namespace pvc::core
