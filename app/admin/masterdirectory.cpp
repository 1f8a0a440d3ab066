#include "masterdirectory.h"

#include "security/certificates.h"
#include "security/keys.h"

#include <QDir>
#include <QFile>

namespace pvc::app {

using namespace pvc::core;
using namespace pvc::master;

bool openMaster(const QString& dir, bool needKey, Master* master, QString* error)
{
    const auto bundle = ProjectBundle::load(dir + QStringLiteral("/project.json"));
    if (!bundle) {
        *error = QStringLiteral("%1 is not a master directory: %2").arg(dir, bundle.error().detail);
        return false;
    }
    master->bundle = *bundle;
    if (needKey) {
        const auto key = keys::readPrivateKeyFile(dir + QStringLiteral("/ca.key"));
        if (!key) {
            *error = QStringLiteral("cannot read the CA key: %1").arg(key.error().detail);
            return false;
        }
        master->caPrivatePem = *key;
    }
    return master->store.open(dir + QStringLiteral("/master.sqlite"), error);
}

bool createMaster(const QString& dir, ProjectBundle* bundle, QString* error)
{
    if (!QDir().mkpath(dir) || !QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner)) {
        *error = QStringLiteral("cannot create %1").arg(dir);
        return false;
    }
    const auto key = keys::generateEd25519();
    if (!key) {
        *error = key.error().detail;
        return false;
    }
    const auto ca = certs::createCaCertificate(key->privatePem, bundle->name, 3650);
    if (!ca) {
        *error = ca.error().detail;
        return false;
    }
    if (!keys::writePrivateKeyFile(dir + QStringLiteral("/ca.key"), key->privatePem, error))
        return false;
    QFile caFile(dir + QStringLiteral("/ca.crt"));
    if (!caFile.open(QIODevice::WriteOnly) || caFile.write(*ca) < 0) {
        *error = caFile.errorString();
        return false;
    }
    caFile.close();
    bundle->caCertificatePem = *ca;
    if (!bundle->save(dir + QStringLiteral("/project.json"), error))
        return false;
    MasterStore store;
    return store.open(dir + QStringLiteral("/master.sqlite"), error);
}
} // namespace pvc::app
