#pragma once

class QCommandLineParser;

// `pvc-admin publish` and `pvc-admin data list`: BitTorrent data, through the master host's own pvcd
// (docs/data.md). The master's directory is not needed: the master host seeds like any member.
namespace pvc::app {

void addDataOptions(QCommandLineParser& parser);
int runPublish(QCommandLineParser& parser);
int runData(QCommandLineParser& parser);

} // namespace pvc::app
