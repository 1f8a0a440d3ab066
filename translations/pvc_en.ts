<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>pvc</name>
    <message>
        <location filename="../app/common/errortext.cpp" line="+36"/>
        <source>The invite token has expired. Ask the project for a new one.</source>
        <translation>The invite token has expired. Ask the project for a new one.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The invite token has already been used up. Ask the project for a new one.</source>
        <translation>The invite token has already been used up. Ask the project for a new one.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The invite token is not valid for this project.</source>
        <translation>The invite token is not valid for this project.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This is not a pvc invite token (they look like pvc1-...).</source>
        <translation>This is not a pvc invite token (they look like pvc1-...).</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Another machine already uses this name. Choose another name.</source>
        <translation>Another machine already uses this name. Choose another name.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A machine name is 1 to 63 lowercase letters, digits and inner dashes.</source>
        <translation>A machine name is 1 to 63 lowercase letters, digits and inner dashes.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This machine name has been revoked by the project.</source>
        <translation>This machine name has been revoked by the project.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>None of the project&apos;s brokers can be reached. Check the network connection.</source>
        <translation>None of the project&apos;s brokers can be reached. Check the network connection.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The project&apos;s master has not answered yet. The request stays queued; check again later with &apos;pvc status&apos;.</source>
        <translation>The project&apos;s master has not answered yet. The request stays queued; check again later with &apos;pvc status&apos;.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A broker returned a certificate the project&apos;s master did not sign. It was refused.</source>
        <translation>A broker returned a certificate the project&apos;s master did not sign. It was refused.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This machine is already a member. Run &apos;pvc leave&apos; first to join again.</source>
        <translation>This machine is already a member. Run &apos;pvc leave&apos; first to join again.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This machine&apos;s membership was revoked. Run &apos;pvc leave&apos; before joining again.</source>
        <translation>This machine&apos;s membership was revoked. Run &apos;pvc leave&apos; before joining again.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>pvcd is not running (or not at this control socket).</source>
        <translation>pvcd is not running (or not at this control socket).</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>pvcd did not answer in time.</source>
        <translation>pvcd did not answer in time.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No member of that name is known.</source>
        <translation>No member of that name is known.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>That member is not authenticated (yet); see &apos;pvc peers&apos;.</source>
        <translation>That member is not authenticated (yet); see &apos;pvc peers&apos;.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The project&apos;s master revoked this machine&apos;s membership.</source>
        <translation>The project&apos;s master revoked this machine&apos;s membership.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The membership certificate has expired; pvcd keeps asking the project&apos;s master to renew it.</source>
        <translation>The membership certificate has expired; pvcd keeps asking the project&apos;s master to renew it.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The project&apos;s master will not renew a revoked machine&apos;s membership.</source>
        <translation>The project&apos;s master will not renew a revoked machine&apos;s membership.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The membership ended too long ago to be renewed. Join again with an invite.</source>
        <translation>The membership ended too long ago to be renewed. Join again with an invite.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The project&apos;s master is not online; pvcd will ask again.</source>
        <translation>The project&apos;s master is not online; pvcd will ask again.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>That member did not answer.</source>
        <translation>That member did not answer.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>That value is not allowed (%1).</source>
        <translation>That value is not allowed (%1).</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pvcd cannot save the preferences in its state directory.</source>
        <translation>pvcd cannot save the preferences in its state directory.</translation>
    </message>
    <message>
        <location line="-71"/>
        <source>the owner&apos;s policy allows computing</source>
        <translation>the owner&apos;s policy allows computing</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the computer is in use</source>
        <translation>the computer is in use</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the computer is in use, so computing is slowed down</source>
        <translation>the computer is in use, so computing is slowed down</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the computer runs on battery</source>
        <translation>the computer runs on battery</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>outside the daily time window for computing</source>
        <translation>outside the daily time window for computing</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>paused by the owner</source>
        <translation>paused by the owner</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>finishing the current work, then pausing; no new work is taken</source>
        <translation>finishing the current work, then pausing; no new work is taken</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the current work is finished; paused until resumed</source>
        <translation>the current work is finished; paused until resumed</translation>
    </message>
</context>
<context>
    <name>pvc::app::AboutPage</name>
    <message>
        <location filename="../app/tray/aboutpage.cpp" line="+20"/>
        <source>pvc %1</source>
        <translation>pvc %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>pvc joins this computer to a project&apos;s private virtual cluster, a desktop grid in which volunteers give their computers&apos; spare time to research. It follows the paper &quot;Toward Third Generation Internet Desktop Grids&quot;.</source>
        <translation>pvc joins this computer to a project&apos;s private virtual cluster, a desktop grid in which volunteers give their computers&apos; spare time to research. It follows the paper &quot;Toward Third Generation Internet Desktop Grids&quot;.</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Versions</source>
        <translation>Versions</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pvc-tray:</source>
        <translation>pvc-tray:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Qt:</source>
        <translation>Qt:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 (built with %2)</source>
        <translation>%1 (built with %2)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>pvcd&apos;s control socket:</source>
        <translation>pvcd&apos;s control socket:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Licences</source>
        <translation>Licences</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>pvc-tray is built with Qt, used under the GNU Lesser General Public License version 3. pvcd, which this window controls, also uses OpenSSL (Apache License 2.0), libtorrent-rasterbar and miniupnpc (both under the BSD 3-clause licence). The icons were drawn for pvc.</source>
        <translation>pvc-tray is built with Qt, used under the GNU Lesser General Public License version 3. pvcd, which this window controls, also uses OpenSSL (Apache License 2.0), libtorrent-rasterbar and miniupnpc (both under the BSD 3-clause licence). The icons were drawn for pvc.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>About Qt</source>
        <translation>About Qt</translation>
    </message>
</context>
<context>
    <name>pvc::app::ComputingPage</name>
    <message numerus="yes">
        <location filename="../app/tray/computingpage.cpp" line="+46"/>
        <location line="+218"/>
        <source>%n of %1 cores</source>
        <translation>
            <numerusform>%n of %1 cores</numerusform>
            <numerusform>%n of %1 cores</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../app/tray/computingpage.ui" line="+77"/>
        <source>All but one core</source>
        <translation>All but one core</translation>
    </message>
    <message>
        <location line="-39"/>
        <source>How much</source>
        <translation>How much</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Cores given:</source>
        <translation>Cores given:</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Memory:</source>
        <translation>Memory:</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The share of this computer&apos;s memory that the project&apos;s tasks may use.</source>
        <translation>The share of this computer&apos;s memory that the project&apos;s tasks may use.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source> %</source>
        <translation> %</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Disk:</source>
        <translation>Disk:</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The disk space the project&apos;s tasks and their files may use.</source>
        <translation>The disk space the project&apos;s tasks and their files may use.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source> GB</source>
        <translation> GB</translation>
    </message>
    <message>
        <location line="+49"/>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <location line="+53"/>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Slow down to</source>
        <translation>Slow down to</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>% of the CPU</source>
        <translation>% of the CPU</translation>
    </message>
    <message>
        <location line="-102"/>
        <source>Run when the computer has been idle for</source>
        <translation>Run when the computer has been idle for</translation>
    </message>
    <message>
        <location line="+133"/>
        <source>Also run on battery power</source>
        <translation>Also run on battery power</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Only between</source>
        <translation>Only between</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>and</source>
        <translation>and</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>every day</source>
        <translation>every day</translation>
    </message>
    <message>
        <location line="-184"/>
        <source>When</source>
        <translation>When</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>While I use the computer:</source>
        <translation>While I use the computer:</translation>
    </message>
    <message>
        <location line="+161"/>
        <source>Data sharing</source>
        <translation>Data sharing</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Send at most:</source>
        <translation>Send at most:</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>How fast this computer may send the project&apos;s data to other members.</source>
        <translation>How fast this computer may send the project&apos;s data to other members.</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+32"/>
        <source> KiB/s</source>
        <translation> KiB/s</translation>
    </message>
    <message>
        <location line="-29"/>
        <location line="+32"/>
        <source>no limit</source>
        <translation>no limit</translation>
    </message>
    <message>
        <location line="-16"/>
        <source>Receive at most:</source>
        <translation>Receive at most:</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>How fast this computer may fetch the project&apos;s data.</source>
        <translation>How fast this computer may fetch the project&apos;s data.</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>Keep at most</source>
        <translation>Keep at most</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Disk space for the project&apos;s data; what was used least recently goes first.</source>
        <translation>Disk space for the project&apos;s data; what was used least recently goes first.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source> MB</source>
        <translation> MB</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>of the project&apos;s data on this computer</source>
        <translation>of the project&apos;s data on this computer</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Keep sharing data with other members while computing is paused</source>
        <translation>Keep sharing data with other members while computing is paused</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Pause for 1 hour</source>
        <translation>Pause for 1 hour</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Resume</source>
        <translation>Resume</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Finish and pause</source>
        <translation>Finish and pause</translation>
    </message>
    <message>
        <location line="-3"/>
        <source>Let the current work finish, then pause until you resume.</source>
        <translation>Let the current work finish, then pause until you resume.</translation>
    </message>
    <message>
        <location line="-36"/>
        <source>Now</source>
        <translation>Now</translation>
    </message>
    <message>
        <location line="+83"/>
        <source>Start pvc when I log in</source>
        <translation>Start pvc when I log in</translation>
    </message>
    <message>
        <location line="-6"/>
        <source>This desktop</source>
        <translation>This desktop</translation>
    </message>
    <message>
        <location filename="../app/tray/computingpage.cpp" line="-209"/>
        <source>pvcd is not running: the preferences it stores cannot be shown.</source>
        <translation>pvcd is not running: the preferences it stores cannot be shown.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Asking pvcd for the preferences...</source>
        <translation>Asking pvcd for the preferences...</translation>
    </message>
    <message>
        <location line="+82"/>
        <source>The owner&apos;s preferences are not available from this pvcd: it is older than pvc-tray. Update pvc to choose the cores, the idle time and the hours given to the project.</source>
        <translation>The owner&apos;s preferences are not available from this pvcd: it is older than pvc-tray. Update pvc to choose the cores, the idle time and the hours given to the project.</translation>
    </message>
    <message>
        <location line="+15"/>
        <location line="+88"/>
        <source>not available from this pvcd</source>
        <translation>not available from this pvcd</translation>
    </message>
    <message>
        <location line="-50"/>
        <source>(%1 GB)</source>
        <translation>(%1 GB)</translation>
    </message>
    <message>
        <location line="+52"/>
        <source>Worker: %1</source>
        <translation>Worker: %1</translation>
    </message>
</context>
<context>
    <name>pvc::app::ControlConnection</name>
    <message>
        <location filename="../app/tray/controlconnection.cpp" line="+105"/>
        <source>pvcd closed the connection</source>
        <translation>pvcd closed the connection</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>pvcd is not connected</source>
        <translation>pvcd is not connected</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>pvcd did not answer in time</source>
        <translation>pvcd did not answer in time</translation>
    </message>
</context>
<context>
    <name>pvc::app::CreditsPage</name>
    <message>
        <location filename="../app/tray/creditspage.cpp" line="+55"/>
        <source>credits earned</source>
        <translation>credits earned</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>credits per day, recent average</source>
        <translation>credits per day, recent average</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>certified tasks</source>
        <translation>certified tasks</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Credits per day:</source>
        <translation>Credits per day:</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>pvcd is not running: the credits it holds cannot be shown.</source>
        <translation>pvcd is not running: the credits it holds cannot be shown.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Asking pvcd for the credits...</source>
        <translation>Asking pvcd for the credits...</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Credits are not available from this pvcd: it is older than pvc-tray.</source>
        <translation>Credits are not available from this pvcd: it is older than pvc-tray.</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>No credits yet. The project grants credits for results it has certified, once this computer has worked on its tasks.</source>
        <translation>No credits yet. The project grants credits for results it has certified, once this computer has worked on its tasks.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Credits come from the project&apos;s master, which grants them only for certified results.</source>
        <translation>Credits come from the project&apos;s master, which grants them only for certified results.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Last statement signed by the master: %1.</source>
        <translation>Last statement signed by the master: %1.</translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>%n statement(s) claiming to come from the master were refused (forged, altered, for another computer, or older than the one kept).</source>
        <translation>
            <numerusform>%n statement claiming to come from the master was refused (forged, altered, for another computer, or older than the one kept).</numerusform>
            <numerusform>%n statements claiming to come from the master were refused (forged, altered, for another computer, or older than the one kept).</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>pvc::app::DaemonLauncher</name>
    <message>
        <location filename="../app/tray/daemonlauncher.cpp" line="+97"/>
        <source>pvcd is not installed: it is neither next to pvc-tray nor on the PATH.</source>
        <translation>pvcd is not installed: it is neither next to pvc-tray nor on the PATH.</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>pvcd could not be started: %1</source>
        <translation>pvcd could not be started: %1</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>pvcd stopped right after it was started.</source>
        <translation>pvcd stopped right after it was started.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>pvcd stopped right after it was started: %1</source>
        <translation>pvcd stopped right after it was started: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>pvcd is running but does not answer at %1.</source>
        <translation>pvcd is running but does not answer at %1.</translation>
    </message>
</context>
<context>
    <name>pvc::app::DataPage</name>
    <message>
        <location filename="../app/tray/datapage.cpp" line="+24"/>
        <source>%1/s</source>
        <translation>%1/s</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Sharing</source>
        <translation>Sharing</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Downloading</source>
        <translation>Downloading</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Paused</source>
        <translation>Paused</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Checking</source>
        <translation>Checking</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Finding peers</source>
        <translation>Finding peers</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Progress</source>
        <translation>Progress</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Size</source>
        <translation>Size</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Down</source>
        <translation>Down</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Up</source>
        <translation>Up</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Peers</source>
        <translation>Peers</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Nothing fetched or published yet. The data the project&apos;s tasks need is fetched here once, used by every task on this computer, and shared with the other members.</source>
        <translation>Nothing fetched or published yet. The data the project&apos;s tasks need is fetched here once, used by every task on this computer, and shared with the other members.</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>pvcd is not running: its transfers cannot be shown.</source>
        <translation>pvcd is not running: its transfers cannot be shown.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This pvcd reports no data transfers: it is older than pvc-tray, or this computer is not a member yet.</source>
        <translation>This pvcd reports no data transfers: it is older than pvc-tray, or this computer is not a member yet.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Computing is paused, and you chose not to share data meanwhile: the data fetched here is not sent to other members until computing resumes.</source>
        <translation>Computing is paused, and you chose not to share data meanwhile: the data fetched here is not sent to other members until computing resumes.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Cache: %1 of %2</source>
        <translation>Cache: %1 of %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cache: %1</source>
        <translation>Cache: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 · sent %2 · received %3</source>
        <translation>%1 · sent %2 · received %3</translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>%n member(s) banned for sending corrupt data</source>
        <translation>
            <numerusform>%n member banned for sending corrupt data</numerusform>
            <numerusform>%n members banned for sending corrupt data</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not reachable by other members yet: waiting for the overlay address.</source>
        <translation>Not reachable by other members yet: waiting for the overlay address.</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Error</source>
        <translation>Error</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Published</source>
        <translation>Published</translation>
    </message>
</context>
<context>
    <name>pvc::app::JoinPage</name>
    <message>
        <location filename="../app/tray/joinpage.ui" line="+57"/>
        <source>Give this computer&apos;s spare time to the project. You choose how much and when, in the Computing tab, once it has joined.</source>
        <translation>Give this computer&apos;s spare time to the project. You choose how much and when, in the Computing tab, once it has joined.</translation>
    </message>
    <message>
        <location line="+52"/>
        <source>How the other members and the project see this computer.</source>
        <translation>How the other members and the project see this computer.</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>pvc1-...</source>
        <translation>pvc1-...</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The installer brought an invite token.</source>
        <translation>The installer brought an invite token.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Use another token</source>
        <translation>Use another token</translation>
    </message>
    <message>
        <location line="-83"/>
        <source>Project:</source>
        <translation>Project:</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Brokers:</source>
        <translation>Brokers:</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Machine name:</source>
        <translation>Machine name:</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Invite token:</source>
        <translation>Invite token:</translation>
    </message>
    <message>
        <location line="+73"/>
        <source>Join</source>
        <translation>Join</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Connecting to the project&apos;s brokers</source>
        <translation>Connecting to the project&apos;s brokers</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Waiting for the project&apos;s master</source>
        <translation>Waiting for the project&apos;s master</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Member of the project</source>
        <translation>Member of the project</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>Open pvc</source>
        <translation>Open pvc</translation>
    </message>
    <message>
        <location filename="../app/tray/joinpage.cpp" line="+108"/>
        <source>Join a pvc project</source>
        <translation>Join a pvc project</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Join %1</source>
        <translation>Join %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>unknown</source>
        <translation>unknown</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>none known</source>
        <translation>none known</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>pvcd is not running.</source>
        <translation>pvcd is not running.</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Paste the invite token the project gave you.</source>
        <translation>Paste the invite token the project gave you.</translation>
    </message>
    <message>
        <location line="+64"/>
        <source>This computer is now a member of %1, as %2, with the virtual IP address %3.</source>
        <translation>This computer is now a member of %1, as %2, with the virtual IP address %3.</translation>
    </message>
</context>
<context>
    <name>pvc::app::MainWindow</name>
    <message>
        <location filename="../app/tray/mainwindow.cpp" line="+28"/>
        <source>pvc</source>
        <translation>pvc</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Computing</source>
        <translation>Computing</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Data</source>
        <translation>Data</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Credits</source>
        <translation>Credits</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>About</source>
        <translation>About</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>This desktop has no system tray, so pvc shows this window instead. Closing it ends pvc-tray; pvcd goes on running with your preferences.</source>
        <translation>This desktop has no system tray, so pvc shows this window instead. Closing it ends pvc-tray; pvcd goes on running with your preferences.</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Starting pvcd...</source>
        <translation>Starting pvcd...</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+5"/>
        <source>Start pvcd</source>
        <translation>Start pvcd</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>pvcd is not running (nothing answers at %1). pvc-tray connects as soon as it starts.</source>
        <translation>pvcd is not running (nothing answers at %1). pvc-tray connects as soon as it starts.</translation>
    </message>
</context>
<context>
    <name>pvc::app::ProjectInfo</name>
    <message>
        <location filename="../app/tray/projectinfo.cpp" line="+31"/>
        <source>No project bundle was found at %1. Start pvc-tray with --project FILE.</source>
        <translation>No project bundle was found at %1. Start pvc-tray with --project FILE.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1 is too large to be a project bundle.</source>
        <translation>%1 is too large to be a project bundle.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>%1 is not a pvc project bundle.</source>
        <translation>%1 is not a pvc project bundle.</translation>
    </message>
</context>
<context>
    <name>pvc::app::StateText</name>
    <message>
        <location filename="../app/tray/statetext.cpp" line="+56"/>
        <source>pvc: pvcd is not running</source>
        <translation>pvc: pvcd is not running</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pvc: connecting to pvcd</source>
        <translation>pvc: connecting to pvcd</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>pvc: %1 revoked this machine</source>
        <translation>pvc: %1 revoked this machine</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pvc: the membership in %1 expired; renewing</source>
        <translation>pvc: the membership in %1 expired; renewing</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pvc: joining %1</source>
        <translation>pvc: joining %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pvc: not a member of %1</source>
        <translation>pvc: not a member of %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pvc: %1, reaching the brokers of %2</source>
        <translation>pvc: %1, reaching the brokers of %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pvc: %1 (%2) in %3</source>
        <translation>pvc: %1 (%2) in %3</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1; %2</source>
        <translation>%1; %2</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Revoked by the project</source>
        <translation>Revoked by the project</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Membership expired: asking the project&apos;s master to renew it</source>
        <translation>Membership expired: asking the project&apos;s master to renew it</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Joining: waiting for the project&apos;s master</source>
        <translation>Joining: waiting for the project&apos;s master</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not joined</source>
        <translation>Not joined</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Member, reaching the brokers</source>
        <translation>Member, reaching the brokers</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>Member, connected to %n of %1 brokers</source>
        <translation>
            <numerusform>Member, connected to %n of %1 brokers</numerusform>
            <numerusform>Member, connected to %n of %1 brokers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+13"/>
        <source>running on %n core(s)</source>
        <translation>
            <numerusform>running on %n core</numerusform>
            <numerusform>running on %n cores</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>throttled to %1% (%2)</source>
        <translation>throttled to %1% (%2)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>paused after finishing the current work</source>
        <translation>paused after finishing the current work</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>paused by you until %1</source>
        <translation>paused by you until %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+46"/>
        <source>paused by you</source>
        <translation>paused by you</translation>
    </message>
    <message>
        <location line="-44"/>
        <source>paused (%1)</source>
        <translation>paused (%1)</translation>
    </message>
    <message numerus="yes">
        <location line="+11"/>
        <source>%n task(s) done</source>
        <translation>
            <numerusform>%n task done</numerusform>
            <numerusform>%n tasks done</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>computing %n task(s)</source>
        <translation>
            <numerusform>computing %n task</numerusform>
            <numerusform>computing %n tasks</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>waiting for work</source>
        <translation>waiting for work</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>connecting to the project&apos;s manager (%1)</source>
        <translation>connecting to the project&apos;s manager (%1)</translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>paused, %n task(s) held</source>
        <translation>
            <numerusform>paused, %n task held</numerusform>
            <numerusform>paused, %n tasks held</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>finishing %n task(s)</source>
        <translation>
            <numerusform>finishing %n task</numerusform>
            <numerusform>finishing %n tasks</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>not running</source>
        <translation>not running</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>the computer is idle</source>
        <translation>the computer is idle</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+2"/>
        <source>the computer is in use</source>
        <translation>the computer is in use</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>on battery</source>
        <translation>on battery</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>outside the daily time window</source>
        <translation>outside the daily time window</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>finishing the current work, then pausing</source>
        <translation>finishing the current work, then pausing</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the current work is finished</source>
        <translation>the current work is finished</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Authenticated</source>
        <translation>Authenticated</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Connecting</source>
        <translation>Connecting</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Revoked</source>
        <translation>Revoked</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Rejected</source>
        <translation>Rejected</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Relayed by a broker</source>
        <translation>Relayed by a broker</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Trying a direct path</source>
        <translation>Trying a direct path</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>None yet</source>
        <translation>None yet</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Direct (Traversing-TCP)</source>
        <translation>Direct (Traversing-TCP)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Direct (public address)</source>
        <translation>Direct (public address)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Direct (UPnP)</source>
        <translation>Direct (UPnP)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Direct (hole punching)</source>
        <translation>Direct (hole punching)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Direct</source>
        <translation>Direct</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Direct (%1)</source>
        <translation>Direct (%1)</translation>
    </message>
</context>
<context>
    <name>pvc::app::StatusPage</name>
    <message>
        <location filename="../app/tray/statuspage.cpp" line="+91"/>
        <source>Last error:</source>
        <translation>Last error:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>This computer</source>
        <translation>This computer</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>State:</source>
        <translation>State:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Virtual IP address:</source>
        <translation>Virtual IP address:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Project:</source>
        <translation>Project:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Membership valid until:</source>
        <translation>Membership valid until:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Computing:</source>
        <translation>Computing:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Worker:</source>
        <translation>Worker:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Broker</source>
        <translation>Broker</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Connection</source>
        <translation>Connection</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Sees this computer at</source>
        <translation>Sees this computer at</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Brokers</source>
        <translation>Brokers</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Member</source>
        <translation>Member</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Virtual IP address</source>
        <translation>Virtual IP address</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Path</source>
        <translation>Path</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Round trip</source>
        <translation>Round trip</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No other member is known yet.</source>
        <translation>No other member is known yet.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Other members</source>
        <translation>Other members</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Waiting for pvcd</source>
        <translation>Waiting for pvcd</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>%1 (network %2, domain %3)</source>
        <translation>%1 (network %2, domain %3)</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+3"/>
        <source>not available from this pvcd</source>
        <translation>not available from this pvcd</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Connected</source>
        <translation>Connected</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Not connected</source>
        <translation>Not connected</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not connected (%1)</source>
        <translation>Not connected (%1)</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>%1 (renewed automatically from %2)</source>
        <translation>%1 (renewed automatically from %2)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Renewal not done yet: %1</source>
        <translation>Renewal not done yet: %1</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <location line="-73"/>
        <location line="+82"/>
        <source>pvcd is not running</source>
        <translation>pvcd is not running</translation>
    </message>
</context>
<context>
    <name>pvc::app::TrayApplication</name>
    <message>
        <location filename="../app/tray/trayapplication.cpp" line="+23"/>
        <source>The pvc volunteer&apos;s app: joins this computer to the project, shows its state, and sets how much of the computer the project may use. It starts pvcd when pvcd is not running.</source>
        <translation>The pvc volunteer&apos;s app: joins this computer to the project, shows its state, and sets how much of the computer the project may use. It starts pvcd when pvcd is not running.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>pvcd&apos;s control socket.</source>
        <translation>pvcd&apos;s control socket.</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>PATH</source>
        <translation>PATH</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The project bundle to show on the Join screen and to start pvcd with (default: %1).</source>
        <translation>The project bundle to show on the Join screen and to start pvcd with (default: %1).</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>FILE</source>
        <translation>FILE</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Do not start pvcd when it is not running.</source>
        <translation>Do not start pvcd when it is not running.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Start in the system tray, without opening the window.</source>
        <translation>Start in the system tray, without opening the window.</translation>
    </message>
</context>
<context>
    <name>pvc::app::TrayIcon</name>
    <message>
        <location filename="../app/tray/trayicon.cpp" line="+24"/>
        <source>Open pvc</source>
        <translation>Open pvc</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Pause for 1 hour</source>
        <translation>Pause for 1 hour</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resume</source>
        <translation>Resume</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Finish current work, then pause</source>
        <translation>Finish current work, then pause</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Quit pvc-tray</source>
        <translation>Quit pvc-tray</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>pvcd goes on running with your preferences.</source>
        <translation>pvcd goes on running with your preferences.</translation>
    </message>
    <message>
        <location line="+55"/>
        <source>pvc</source>
        <translation>pvc</translation>
    </message>
</context>
<context>
    <name>pvc::app::autostart</name>
    <message>
        <location filename="../app/tray/autostart.cpp" line="+29"/>
        <source>Cannot remove %1.</source>
        <translation>Cannot remove %1.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>The autostart template is missing from this build.</source>
        <translation>The autostart template is missing from this build.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Cannot write %1: %2</source>
        <translation>Cannot write %1: %2</translation>
    </message>
</context>
</TS>
