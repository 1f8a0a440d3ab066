#pragma once

#include "common/hostport.h"
#include "common/result.h"

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QStringList>

// project.json: what an installer ships and a host needs to join. It holds no secret.
namespace pvc::core {

struct ProjectBundle {
    static constexpr qsizetype MaxBytes = 64 * 1024;

    QString name;
    QString network; // 240.X.0.0/16
    QString domain; // e.g. "pvc"
    QStringList brokers; // host:port
    // host:port -> SHA-256 of that broker's TLS certificate (raw 32 bytes; hex in JSON, "broker_pins"):
    // pvcd and the master talk only to a broker that presents it. Brokers without a pin are not checked.
    QHash<QString, QByteArray> brokerPins;
    QByteArray caCertificatePem;
    qint64 policyVersion = 0;

    // Derived on load: the project id (CA fingerprint) and the CA's public key.
    QString projectId;
    QByteArray caPublicPem;

    // Where the bundle is looked for, in one place so that pvcd, pvc-admin and the tray agree.
    // The bundle an installer put in place: $XDG_CONFIG_HOME/pvc/project.json, then pvc/project.json
    // in the XDG data directories, then /usr/share/pvc/project.json (returned even when absent, so
    // that the error names it).
    static QString defaultPath();
    // The master's directory (`pvc-admin init DIR`) keeps the bundle as DIR/project.json.
    static QString pathIn(const QString& directory);

    // Errors: bundle.unreadable, bundle.too_large, bundle.malformed, bundle.bad_ca.
    static Result<ProjectBundle> load(const QString& path);
    // load(path), or load(defaultPath()) when path is empty (no --project given).
    static Result<ProjectBundle> loadOrDefault(const QString& path);
    static Result<ProjectBundle> fromJson(const QByteArray& json);
    QByteArray toJson() const;
    bool save(const QString& path, QString* error) const;
};

} // namespace pvc::core
