#pragma once

#include <QString>
#include <QStringList>

namespace pvc::core {

// The sandbox a volunteer's worker and every task it starts run in (docs/grid.md, "The sandbox"):
// the `bwrap` command line, built from plain data so that a unit test can read it. Inside: new
// user, PID, IPC, UTS, cgroup and network namespaces (the network one holds only `lo`), read-only
// system directories, an empty private home and /tmp, and one writable directory, the worker's.
// The only way out is a Unix socket bound in at SocketInside, which pvcd splices to the manager
// over the overlay; the relay (pvc-sandbox-relay) turns it into 127.0.0.1:ManagerPortInside for
// the worker, which Work Queue cannot do itself.
struct SandboxSpec {
    static constexpr const char* WorkInside = "/pvc/work";
    static constexpr const char* SocketInside = "/pvc/manager.sock";
    static constexpr const char* RelayInside = "/pvc/pvc-sandbox-relay";
    static constexpr const char* HomeInside = "/home/pvc";
    static constexpr quint16 ManagerPortInside = 9123;
    static constexpr const char* DataInside = "/pvc/data";
    static constexpr const char* DataSocketInside = "/pvc/data.sock";

    QString bwrap; // the bwrap binary
    QString relay; // pvc-sandbox-relay on the host, bound in read-only
    QString worker; // work_queue_worker, under /usr (visible inside)
    QString workDirectory; // on the host: the only writable place inside
    QString socketPath; // on the host: pvcd's end of the manager connection
    QString hostsPath; // on the host: hostsFile(), bound in as /etc/hosts
    QString dataDirectory; // on the host: pvcd's BitTorrent cache, bound in read-only; empty: none
    QString dataSocketPath; // on the host: where a task asks pvcd for a pvc-data: input; empty: none
    // Test builds only (PVC_TEST_SWITCHES, pvcd --test-saboteur): a shell bound over /usr/bin/sh that alters
    // every file a task creates, so that the tests and the demo have a volunteer that returns wrong results.
    QString saboteurShell;
    QString hostName; // the member's name: the sandbox's hostname, so the worker reports it
    QStringList features; // work_queue_worker --feature
    int cores = 1;
    int memoryMb = 0; // 0: not given to the worker
    int diskMb = 0; // 0: not given to the worker
    quint64 memoryLimitBytes = 0; // per-process address-space cap set by the relay; 0: none
    // Processes the worker and its tasks may have at once (RLIMIT_NPROC, set inside the sandbox's user
    // namespace, where it counts only the sandbox's processes); 0: none.
    int maxProcesses = 0;

    // The default process cap for a worker with `cores` cores.
    static int processesFor(int cores) { return 64 + 64 * cores; }

    // The whole argv after the program (bwrap): sandbox options, then the relay and the worker.
    QStringList arguments() const;
    // The worker's own options, as the relay runs it.
    QStringList workerArguments() const;
    // The /etc/hosts the sandbox sees: localhost and the member's name on 127.0.0.1.
    QByteArray hostsFile() const;
};

} // namespace pvc::core
