#pragma once

#include <QCoreApplication>
#include <QString>
#include <QStringList>

namespace pvc::app {

// What the Join screen knows before pvcd is asked anything: the project bundle the installer shipped
// (project.json, docs/protocol.md) and, when the installer carried one, an invite token in
// pvc/invite.txt next to the bundle. Only the fields a person reads are taken; pvcd checks the rest.
struct ProjectInfo {
    Q_DECLARE_TR_FUNCTIONS(pvc::app::ProjectInfo)

public:
    QString path; // the bundle that was read
    QString name;
    QString domain;
    QStringList brokers;
    QString inviteToken; // empty when the installer carried none
    QString error; // why there is no usable bundle, in the user's words

    bool isValid() const { return !name.isEmpty(); }

    // The same search as pvcd's: $XDG_CONFIG_HOME/pvc/project.json, then pvc/project.json in the XDG
    // data directories, then /usr/share/pvc/project.json.
    static QString defaultPath();
    static ProjectInfo load(const QString& path);
};

// The name pvcd would choose: the hostname, lowercased, with anything else turned into dashes.

} // namespace pvc::app
