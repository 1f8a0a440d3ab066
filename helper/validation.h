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

} // namespace pvc::helper
