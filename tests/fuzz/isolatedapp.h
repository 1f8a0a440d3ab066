#pragma once

#include <QCoreApplication>
#include <QDir>
#include <QLoggingCategory>
#include <cstdio>
#include <cstdlib>
#include <sched.h>

// For fuzz targets that run one of pvc's daemons' modules whole (fuzz_controlapi, fuzz_peerrecords): called
// from LLVMFuzzerInitialize, before any thread starts. The process gets a network namespace of its own (as
// root; otherwise a user namespace with it), where only a loopback, down, exists: nothing the fuzzer makes
// the module do reaches a network. Then the Qt application those modules need, with logging off (at millions
// of inputs, logging bad input would be most of the time spent).
inline void startIsolatedApplication(const char* name)
{
    if (unshare(CLONE_NEWNET) != 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
        std::fprintf(stderr, "%s: unshare(CLONE_NEWNET) failed: the fuzz target must not reach any network\n", name);
        std::abort();
    }
    static int argc = 1;
    static char* argv[] = { const_cast<char*>(name), nullptr };
    new QCoreApplication(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("*=false"));
}

// A folder for a World that is never destroyed (its threads may outlive main): removed at exit all the same.
inline QString removedAtExit(const QString& path)
{
    static QString folder;
    folder = path;
    std::atexit([] { QDir(folder).removeRecursively(); });
    return path;
}
