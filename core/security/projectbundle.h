#pragma once

#include "common/hostport.h"
#include "common/result.h"

#include <QByteArray>
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
    QByteArray caCertificatePem;
    qint64 policyVersion = 0;

    // Derived on load: the project id (CA fingerprint) and the CA's public key.
    QString projectId;
    QByteArray caPublicPem;

    // Errors: bundle.unreadable, bundle.too_large, bundle.malformed, bundle.bad_ca.
    static Result<ProjectBundle> load(const QString& path);
    static Result<ProjectBundle> fromJson(const QByteArray& json);
    QByteArray toJson() const;
    bool save(const QString& path, QString* error) const;
};

} // namespace pvc::core
