#pragma once

#include "master/masterstore.h"
#include "security/projectbundle.h"

#include <QByteArray>
#include <QString>

// The master's directory, as `pvc-admin init` makes it and every other command opens it: the
// project bundle (project.json), the CA key (ca.key, read only by commands that sign), the CA
// certificate (ca.crt) and the store of tokens, hosts and policy (master.sqlite).
namespace pvc::app {

struct Master {
    core::ProjectBundle bundle;
    QByteArray caPrivatePem;
    master::MasterStore store;
};

// Opens DIR; reads the CA key only when needKey.
bool openMaster(const QString& dir, bool needKey, Master* master, QString* error);

// Writes DIR/ca.key, DIR/ca.crt, DIR/project.json (the bundle, with its new CA certificate) and an
// empty DIR/master.sqlite; only the owner may read the directory, since it holds the CA key.
bool createMaster(const QString& dir, core::ProjectBundle* bundle, QString* error);

} // namespace pvc::app
