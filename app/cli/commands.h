#pragma once

#include <QLatin1String>
#include <QString>
#include <QStringList>
#include <span>

class QCommandLineParser;

// `pvc`'s commands as a table: the name typed, its lines in the usage text, and the function that
// runs it. main() parses the options once and dispatches here, so a new command is one row and one
// function, and the usage text cannot forget it.
namespace pvc::app::cli {

// What one run of `pvc` was given.
struct Invocation {
    QString control; // pvcd's control socket, absolute
    QStringList positional; // the command first
    const QCommandLineParser& parser;
    bool json;
};

struct Command {
    QLatin1String name;
    const char* help; // the command's lines in the usage text, each ending in \n
    int (*run)(const Invocation& invocation); // returns the exit code
};

std::span<const Command> commands();

// The usage text: the header, then every command's help lines.
QString usage();

} // namespace pvc::app::cli
