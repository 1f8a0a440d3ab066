#include "helperconnection.h"
#include "ttcp.h"

// HelperServer's Traversing-TCP commands (docs/helper.md, "Traversing-TCP"): the per-uid budget, ttcp-allow
// and inject-syn (server side), capture-syn and take-syn (client side).
using namespace Qt::StringLiterals;

namespace pvc::helper {

bool HelperServer::spend(const Connection& connection)
{
    QList<Clock::time_point>& recent = m_costly[connection.peer.uid];
    while (!recent.isEmpty() && Clock::now() - recent.first() >= CostlyWindow)
        recent.removeFirst();
    if (recent.size() >= MaxCostlyPerUid)
        return false;
    recent.append(Clock::now());
    return true;
}

Reply HelperServer::allowTtcp(Connection& connection, const QJsonObject& request)
{
    quint16 port = 0;
    if (const auto refused = parseTcpPort(request, &port))
        return refusal(*refused);
    if (!connection.ttcpPorts.contains(port) && connection.ttcpPorts.size() >= MaxTtcpPortsPerConnection)
        return refusal({ u"helper.limit"_s, u"this connection already declared 8 ports"_s });
    if (const auto refused = checkPortOwner(port, connection.peer.uid))
        return refusal(*refused);
    connection.ttcpPorts.insert(port);
    QJsonObject allowed = ipc::makeMessage("ttcp-allowed");
    allowed.insert(u"port"_s, port);
    return { allowed };
}

Reply HelperServer::injectSyn(Connection& connection, const QJsonObject& request)
{
    QByteArray packet;
    if (const auto refused = parseSynRequest(request, &packet))
        return refusal(*refused);
    if (!m_injectionGuard)
        return refusal(
            { u"helper.unavailable"_s, u"no SYN is injected without the injection guard: "_s + m_noGuardWhy });
    SynRules rules = hostSynRules();
    rules.allowedPorts = connection.ttcpPorts;
    Syn syn;
    if (const auto refused = checkSyn(packet, rules, &syn))
        return refusal(*refused);
    // Again now: the listener that was declared may have gone, and the port passed to someone else.
    if (const auto refused = checkPortOwner(syn.destinationPort, connection.peer.uid))
        return refusal(*refused);
    QString error;
    if (!sendSyn(packet, syn.destination, &error))
        return refusal({ u"helper.inject_failed"_s, error });
    return { ipc::makeMessage("syn-injected") };
}

Reply HelperServer::captureSyn(Connection& connection, const QJsonObject& request)
{
    CaptureRequest wanted;
    if (const auto refused = parseCaptureRequest(request, &wanted))
        return refusal(*refused);
    const quint16 port = wanted.port;
    if (!connection.captures.contains(port) && connection.captures.size() >= MaxCapturesPerConnection)
        return refusal({ u"helper.limit"_s, u"this connection already has 2 captures"_s });
    QSet<quint64> listeners;
    if (const auto refused = checkPortOwner(port, connection.peer.uid, &listeners))
        return refusal(*refused);
    QString error;
    const int fd = openSynCapture(port, wanted.to, wanted.toPort, &error);
    if (fd < 0)
        return refusal({ u"helper.capture_failed"_s, error });
    if (connection.captures.contains(port))
        ::close(connection.captures.value(port).fd);
    connection.captures.insert(port, { fd, Clock::now() + CaptureLifetime, listeners, hostSynRules().hostAddresses });
    QJsonObject armed = ipc::makeMessage("capture-armed");
    armed.insert(u"port"_s, port);
    return { armed };
}

Reply HelperServer::takeSyn(Connection& connection, const QJsonObject& request)
{
    quint16 port = 0;
    if (const auto refused = parseTcpPort(request, &port))
        return refusal(*refused);
    const auto capture = connection.captures.constFind(port);
    if (capture == connection.captures.cend())
        return refusal({ u"helper.not_yours"_s, u"no capture armed on that port, or it expired"_s });
    // Nothing read from /proc until a SYN is there: callers ask every 10 ms.
    const QByteArray packet = readCapturedSyn(capture->fd, capture->sources);
    if (packet.isEmpty())
        return refusal({ u"helper.no_syn"_s, u"no SYN from that port yet"_s });
    const QSet<quint64> armedWith = capture->listeners;
    ::close(capture->fd);
    connection.captures.erase(capture);
    if (!spend(connection))
        return refusal(
            { u"helper.rate_limited"_s, u"at most %1 Traversing-TCP requests in 10 s"_s.arg(MaxCostlyPerUid) });
    // Again now: a SYN from the port is the caller's only while every socket on it is, and the listener it
    // armed with is still there (not closed and replaced, perhaps by someone else's, in between).
    QSet<quint64> listeners;
    if (const auto refused = checkPortOwner(port, connection.peer.uid, &listeners))
        return refusal(*refused);
    if (!listeners.intersects(armedWith))
        return refusal(
            { u"helper.not_yours"_s, u"the listener on that port is not the one the capture was armed with"_s });
    QJsonObject syn = ipc::makeMessage("syn");
    syn.insert(u"port"_s, port);
    syn.insert(u"packet"_s, QString::fromLatin1(packet.toBase64()));
    return { syn };
}

} // namespace pvc::helper
