#pragma once

#include <QJsonObject>
#include <QString>
#include <optional>

// Every field of every request is checked here, before anything touches the system
// (docs/helper.md, "Commands").
namespace pvc::helper {

// Why a request is refused: a stable code ("helper.bad_name") and a detail for the caller's log.
struct Refusal {
    QString code;
    QString detail;
};

struct TunRequest {
    QString name;
    quint32 address = 0; // host byte order
    int prefix = 0;
    int mtu = 0;
};

std::optional<Refusal> parseName(const QJsonObject& request, QString* name);
std::optional<Refusal> parseTunRequest(const QJsonObject& request, TunRequest* tun);
std::optional<Refusal> parseDnsRequest(const QJsonObject& request, quint32* address);
// "port": an unprivileged TCP port, 1024 to 65535 (ttcp-allow, capture-syn, take-syn).
std::optional<Refusal> parseTcpPort(const QJsonObject& request, quint16* port);
// capture-syn: "port" as above, and the destination the caller's connect() goes to: "to" (dotted IPv4, not
// this host's loopback or a special address) and "to_port" (1 to 65535).
struct CaptureRequest {
    quint16 port = 0;
    quint32 to = 0; // host byte order
    quint16 toPort = 0;
};
std::optional<Refusal> parseCaptureRequest(const QJsonObject& request, CaptureRequest* capture);
// "packet": base64 of at most MaxSynBytes, its length checked before it is decoded (inject-syn).
std::optional<Refusal> parseSynRequest(const QJsonObject& request, QByteArray* packet);

} // namespace pvc::helper
