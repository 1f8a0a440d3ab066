<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr">
<context>
    <name>pvc</name>
    <message>
        <location filename="../app/common/errortext.cpp" line="+36"/>
        <source>The invite token has expired. Ask the project for a new one.</source>
        <translation>Le jeton d&apos;invitation a expiré. Demandez-en un nouveau au projet.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The invite token has already been used up. Ask the project for a new one.</source>
        <translation>Le jeton d&apos;invitation a déjà servi autant de fois que permis. Demandez-en un nouveau au projet.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The invite token is not valid for this project.</source>
        <translation>Le jeton d&apos;invitation n&apos;est pas valable pour ce projet.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This is not a pvc invite token (they look like pvc1-...).</source>
        <translation>Ce n&apos;est pas un jeton d&apos;invitation pvc (ils ressemblent à pvc1-...).</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Another machine already uses this name. Choose another name.</source>
        <translation>Une autre machine utilise déjà ce nom. Choisissez-en un autre.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A machine name is 1 to 63 lowercase letters, digits and inner dashes.</source>
        <translation>Un nom de machine compte de 1 à 63 lettres minuscules, chiffres et tirets (pas aux extrémités).</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This machine name has been revoked by the project.</source>
        <translation>Ce nom de machine a été révoqué par le projet.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>None of the project&apos;s brokers can be reached. Check the network connection.</source>
        <translation>Aucun des brokers du projet n&apos;est joignable. Vérifiez la connexion au réseau.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The project&apos;s master has not answered yet. The request stays queued; check again later with &apos;pvc status&apos;.</source>
        <translation>Le maître du projet n&apos;a pas encore répondu. La demande reste en attente ; vérifiez plus tard avec « pvc status ».</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A broker returned a certificate the project&apos;s master did not sign. It was refused.</source>
        <translation>Un broker a renvoyé un certificat que le maître du projet n&apos;a pas signé. Il a été refusé.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This machine is already a member. Run &apos;pvc leave&apos; first to join again.</source>
        <translation>Cette machine est déjà membre. Lancez d&apos;abord « pvc leave » pour rejoindre à nouveau.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This machine&apos;s membership was revoked. Run &apos;pvc leave&apos; before joining again.</source>
        <translation>L&apos;adhésion de cette machine a été révoquée. Lancez « pvc leave » avant de rejoindre à nouveau.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>pvcd is not running (or not at this control socket).</source>
        <translation>pvcd ne tourne pas (ou pas sur ce socket de contrôle).</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>pvcd did not answer in time.</source>
        <translation>pvcd n&apos;a pas répondu à temps.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No member of that name is known.</source>
        <translation>Aucun membre de ce nom n&apos;est connu.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>That member is not authenticated (yet); see &apos;pvc peers&apos;.</source>
        <translation>Ce membre n&apos;est pas (encore) authentifié ; voir « pvc peers ».</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The project&apos;s master revoked this machine&apos;s membership.</source>
        <translation>Le maître du projet a révoqué l&apos;adhésion de cette machine.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The membership certificate has expired; pvcd keeps asking the project&apos;s master to renew it.</source>
        <translation>Le certificat d’adhésion a expiré ; pvcd continue de demander au maître du projet de le renouveler.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The project&apos;s master will not renew a revoked machine&apos;s membership.</source>
        <translation>Le maître du projet ne renouvelle pas l’adhésion d’une machine révoquée.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The membership ended too long ago to be renewed. Join again with an invite.</source>
        <translation>L’adhésion a pris fin il y a trop longtemps pour être renouvelée. Rejoignez le projet avec une nouvelle invitation.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The project&apos;s master is not online; pvcd will ask again.</source>
        <translation>Le maître du projet n’est pas en ligne ; pvcd redemandera.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>That member did not answer.</source>
        <translation>Ce membre n&apos;a pas répondu.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>That value is not allowed (%1).</source>
        <translation>Cette valeur n&apos;est pas permise (%1).</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pvcd cannot save the preferences in its state directory.</source>
        <translation>pvcd ne peut pas enregistrer les préférences dans son répertoire d&apos;état.</translation>
    </message>
    <message>
        <location line="-71"/>
        <source>the owner&apos;s policy allows computing</source>
        <translation>les règles du propriétaire permettent le calcul</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the computer is in use</source>
        <translation>l&apos;ordinateur est utilisé</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the computer is in use, so computing is slowed down</source>
        <translation>l&apos;ordinateur est utilisé, le calcul est donc ralenti</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the computer runs on battery</source>
        <translation>l&apos;ordinateur fonctionne sur batterie</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>outside the daily time window for computing</source>
        <translation>en dehors de la plage horaire quotidienne de calcul</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>paused by the owner</source>
        <translation>mis en pause par le propriétaire</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>finishing the current work, then pausing; no new work is taken</source>
        <translation>termine le travail en cours puis se met en pause ; aucun nouveau travail n&apos;est accepté</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the current work is finished; paused until resumed</source>
        <translation>le travail en cours est terminé ; en pause jusqu&apos;à la reprise</translation>
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
        <translation>pvc fait entrer cet ordinateur dans la grappe virtuelle privée d&apos;un projet : une grille de calcul où des bénévoles donnent à la recherche le temps libre de leurs ordinateurs. Il suit l&apos;article « Toward Third Generation Internet Desktop Grids ».</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Versions</source>
        <translation>Versions</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pvc-tray:</source>
        <translation>pvc-tray :</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Qt:</source>
        <translation>Qt :</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 (built with %2)</source>
        <translation>%1 (compilé avec %2)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>pvcd&apos;s control socket:</source>
        <translation>Socket de contrôle de pvcd :</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Licences</source>
        <translation>Licences</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>pvc-tray is built with Qt, used under the GNU Lesser General Public License version 3. pvcd, which this window controls, also uses OpenSSL (Apache License 2.0), libtorrent-rasterbar and miniupnpc (both under the BSD 3-clause licence). The icons were drawn for pvc.</source>
        <translation>pvc-tray est construit avec Qt, utilisé sous la licence publique générale limitée GNU (LGPL) version 3. pvcd, que cette fenêtre pilote, utilise aussi OpenSSL (licence Apache 2.0), libtorrent-rasterbar et miniupnpc (tous deux sous licence BSD à 3 clauses). Les icônes ont été dessinées pour pvc.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>About Qt</source>
        <translation>À propos de Qt</translation>
    </message>
</context>
<context>
    <name>pvc::app::ComputingPage</name>
    <message numerus="yes">
        <location filename="../app/tray/computingpage.cpp" line="+46"/>
        <location line="+218"/>
        <source>%n of %1 cores</source>
        <translation>
            <numerusform>%n cœur sur %1</numerusform>
            <numerusform>%n cœurs sur %1</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../app/tray/computingpage.ui" line="+77"/>
        <source>All but one core</source>
        <translation>Tous les cœurs sauf un</translation>
    </message>
    <message>
        <location line="-39"/>
        <source>How much</source>
        <translation>Combien</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Cores given:</source>
        <translation>Cœurs donnés :</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Memory:</source>
        <translation>Mémoire :</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The share of this computer&apos;s memory that the project&apos;s tasks may use.</source>
        <translation>La part de la mémoire de cet ordinateur que les tâches du projet peuvent utiliser.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source> %</source>
        <translation> %</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Disk:</source>
        <translation>Disque :</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The disk space the project&apos;s tasks and their files may use.</source>
        <translation>L&apos;espace disque que les tâches du projet et leurs fichiers peuvent utiliser.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source> GB</source>
        <translation> Go</translation>
    </message>
    <message>
        <location line="+49"/>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <location line="+53"/>
        <source>Pause</source>
        <translation>Mettre en pause</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Slow down to</source>
        <translation>Ralentir à</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>% of the CPU</source>
        <translation> % du processeur</translation>
    </message>
    <message>
        <location line="-102"/>
        <source>Run when the computer has been idle for</source>
        <translation>Calculer quand l&apos;ordinateur est inactif depuis</translation>
    </message>
    <message>
        <location line="+133"/>
        <source>Also run on battery power</source>
        <translation>Calculer aussi sur batterie</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Only between</source>
        <translation>Seulement entre</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>and</source>
        <translation>et</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>every day</source>
        <translation>chaque jour</translation>
    </message>
    <message>
        <location line="-184"/>
        <source>When</source>
        <translation>Quand</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>While I use the computer:</source>
        <translation>Pendant que j&apos;utilise l&apos;ordinateur :</translation>
    </message>
    <message>
        <location line="+161"/>
        <source>Data sharing</source>
        <translation>Partage des données</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Send at most:</source>
        <translation>Envoyer au plus :</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>How fast this computer may send the project&apos;s data to other members.</source>
        <translation>La vitesse à laquelle cet ordinateur peut envoyer les données du projet aux autres membres.</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+32"/>
        <source> KiB/s</source>
        <translation> Kio/s</translation>
    </message>
    <message>
        <location line="-29"/>
        <location line="+32"/>
        <source>no limit</source>
        <translation>sans limite</translation>
    </message>
    <message>
        <location line="-16"/>
        <source>Receive at most:</source>
        <translation>Recevoir au plus :</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>How fast this computer may fetch the project&apos;s data.</source>
        <translation>La vitesse à laquelle cet ordinateur peut récupérer les données du projet.</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>Keep at most</source>
        <translation>Garder au plus</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Disk space for the project&apos;s data; what was used least recently goes first.</source>
        <translation>L’espace disque pour les données du projet ; ce qui a servi le moins récemment part en premier.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source> MB</source>
        <translation> Mo</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>of the project&apos;s data on this computer</source>
        <translation>de données du projet sur cet ordinateur</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Keep sharing data with other members while computing is paused</source>
        <translation>Continuer à partager les données avec les autres membres pendant la pause du calcul</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Pause for 1 hour</source>
        <translation>Mettre en pause 1 heure</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Resume</source>
        <translation>Reprendre</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Finish and pause</source>
        <translation>Terminer puis mettre en pause</translation>
    </message>
    <message>
        <location line="-3"/>
        <source>Let the current work finish, then pause until you resume.</source>
        <translation>Laisser finir le travail en cours, puis se mettre en pause jusqu&apos;à ce que vous repreniez.</translation>
    </message>
    <message>
        <location line="-36"/>
        <source>Now</source>
        <translation>Maintenant</translation>
    </message>
    <message>
        <location line="+83"/>
        <source>Start pvc when I log in</source>
        <translation>Démarrer pvc à l&apos;ouverture de ma session</translation>
    </message>
    <message>
        <location line="-6"/>
        <source>This desktop</source>
        <translation>Ce bureau</translation>
    </message>
    <message>
        <location filename="../app/tray/computingpage.cpp" line="-209"/>
        <source>pvcd is not running: the preferences it stores cannot be shown.</source>
        <translation>pvcd ne tourne pas : les préférences qu&apos;il conserve ne peuvent pas être affichées.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Asking pvcd for the preferences...</source>
        <translation>Demande des préférences à pvcd...</translation>
    </message>
    <message>
        <location line="+82"/>
        <source>The owner&apos;s preferences are not available from this pvcd: it is older than pvc-tray. Update pvc to choose the cores, the idle time and the hours given to the project.</source>
        <translation>Les préférences du propriétaire ne sont pas disponibles auprès de ce pvcd : il est plus ancien que pvc-tray. Mettez pvc à jour pour choisir les cœurs, le délai d&apos;inactivité et les heures données au projet.</translation>
    </message>
    <message>
        <location line="+15"/>
        <location line="+88"/>
        <source>not available from this pvcd</source>
        <translation>non disponible auprès de ce pvcd</translation>
    </message>
    <message>
        <location line="-50"/>
        <source>(%1 GB)</source>
        <translation>(%1 Go)</translation>
    </message>
    <message>
        <location line="+52"/>
        <source>Worker: %1</source>
        <translation>Travailleur : %1</translation>
    </message>
</context>
<context>
    <name>pvc::app::ControlConnection</name>
    <message>
        <location filename="../app/tray/controlconnection.cpp" line="+105"/>
        <source>pvcd closed the connection</source>
        <translation>pvcd a fermé la connexion</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>pvcd is not connected</source>
        <translation>pvcd n&apos;est pas connecté</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>pvcd did not answer in time</source>
        <translation>pvcd n&apos;a pas répondu à temps</translation>
    </message>
</context>
<context>
    <name>pvc::app::CreditsPage</name>
    <message>
        <location filename="../app/tray/creditspage.cpp" line="+55"/>
        <source>credits earned</source>
        <translation>crédits gagnés</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>credits per day, recent average</source>
        <translation>crédits par jour, moyenne récente</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>certified tasks</source>
        <translation>tâches certifiées</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Credits per day:</source>
        <translation>Crédits par jour :</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>pvcd is not running: the credits it holds cannot be shown.</source>
        <translation>pvcd ne tourne pas : les crédits qu&apos;il détient ne peuvent pas être affichés.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Asking pvcd for the credits...</source>
        <translation>Demande des crédits à pvcd...</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Credits are not available from this pvcd: it is older than pvc-tray.</source>
        <translation>Les crédits ne sont pas disponibles auprès de ce pvcd : il est plus ancien que pvc-tray.</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>No credits yet. The project grants credits for results it has certified, once this computer has worked on its tasks.</source>
        <translation>Pas encore de crédits. Le projet accorde des crédits pour les résultats qu&apos;il a certifiés, une fois que cet ordinateur a travaillé sur ses tâches.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Credits come from the project&apos;s master, which grants them only for certified results.</source>
        <translation>Les crédits viennent du maître du projet, qui ne les accorde que pour des résultats certifiés.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Last statement signed by the master: %1.</source>
        <translation>Dernier relevé signé par le maître : %1.</translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>%n statement(s) claiming to come from the master were refused (forged, altered, for another computer, or older than the one kept).</source>
        <translation>
            <numerusform>%n relevé prétendant venir du maître a été refusé (falsifié, modifié, destiné à un autre ordinateur ou plus ancien que celui gardé).</numerusform>
            <numerusform>%n relevés prétendant venir du maître ont été refusés (falsifiés, modifiés, destinés à un autre ordinateur ou plus anciens que celui gardé).</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>pvc::app::DaemonLauncher</name>
    <message>
        <location filename="../app/tray/daemonlauncher.cpp" line="+97"/>
        <source>pvcd is not installed: it is neither next to pvc-tray nor on the PATH.</source>
        <translation>pvcd n&apos;est pas installé : il n&apos;est ni à côté de pvc-tray ni dans le PATH.</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>pvcd could not be started: %1</source>
        <translation>pvcd n&apos;a pas pu être démarré : %1</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>pvcd stopped right after it was started.</source>
        <translation>pvcd s&apos;est arrêté juste après son démarrage.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>pvcd stopped right after it was started: %1</source>
        <translation>pvcd s&apos;est arrêté juste après son démarrage : %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>pvcd is running but does not answer at %1.</source>
        <translation>pvcd tourne mais ne répond pas sur %1.</translation>
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
        <translation>Partagé</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Downloading</source>
        <translation>Téléchargement</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Paused</source>
        <translation>En pause</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Checking</source>
        <translation>Vérification</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Finding peers</source>
        <translation>Recherche de pairs</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>State</source>
        <translation>État</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Progress</source>
        <translation>Avancement</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Size</source>
        <translation>Taille</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Down</source>
        <translation>Reçu</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Up</source>
        <translation>Envoyé</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Peers</source>
        <translation>Pairs</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Nothing fetched or published yet. The data the project&apos;s tasks need is fetched here once, used by every task on this computer, and shared with the other members.</source>
        <translation>Rien n’a encore été récupéré ni publié. Les données dont les tâches du projet ont besoin sont récupérées ici une seule fois, utilisées par toutes les tâches de cet ordinateur, et partagées avec les autres membres.</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>pvcd is not running: its transfers cannot be shown.</source>
        <translation>pvcd ne tourne pas : ses transferts ne peuvent pas être affichés.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This pvcd reports no data transfers: it is older than pvc-tray, or this computer is not a member yet.</source>
        <translation>Ce pvcd n’indique aucun transfert de données : il est plus ancien que pvc-tray, ou cet ordinateur n’est pas encore membre.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Computing is paused, and you chose not to share data meanwhile: the data fetched here is not sent to other members until computing resumes.</source>
        <translation>Le calcul est en pause et vous avez choisi de ne pas partager les données pendant ce temps : les données récupérées ici ne sont pas envoyées aux autres membres avant la reprise du calcul.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Cache: %1 of %2</source>
        <translation>Cache : %1 sur %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cache: %1</source>
        <translation>Cache : %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 · sent %2 · received %3</source>
        <translation>%1 · envoyé %2 · reçu %3</translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>%n member(s) banned for sending corrupt data</source>
        <translation>
            <numerusform>%n membre banni pour avoir envoyé des données corrompues</numerusform>
            <numerusform>%n membres bannis pour avoir envoyé des données corrompues</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not reachable by other members yet: waiting for the overlay address.</source>
        <translation>Pas encore joignable par les autres membres : en attente de l’adresse du réseau virtuel.</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Error</source>
        <translation>Erreur</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Published</source>
        <translation>Publié</translation>
    </message>
</context>
<context>
    <name>pvc::app::JoinPage</name>
    <message>
        <location filename="../app/tray/joinpage.ui" line="+57"/>
        <source>Give this computer&apos;s spare time to the project. You choose how much and when, in the Computing tab, once it has joined.</source>
        <translation>Donnez au projet le temps libre de cet ordinateur. Vous choisirez combien et quand dans l&apos;onglet Calcul, une fois qu&apos;il aura rejoint le projet.</translation>
    </message>
    <message>
        <location line="+52"/>
        <source>How the other members and the project see this computer.</source>
        <translation>Le nom sous lequel les autres membres et le projet voient cet ordinateur.</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>pvc1-...</source>
        <translation>pvc1-...</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The installer brought an invite token.</source>
        <translation>L&apos;installateur a fourni un jeton d&apos;invitation.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Use another token</source>
        <translation>Utiliser un autre jeton</translation>
    </message>
    <message>
        <location line="-83"/>
        <source>Project:</source>
        <translation>Projet :</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Brokers:</source>
        <translation>Brokers :</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Machine name:</source>
        <translation>Nom de la machine :</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Invite token:</source>
        <translation>Jeton d&apos;invitation :</translation>
    </message>
    <message>
        <location line="+73"/>
        <source>Join</source>
        <translation>Rejoindre</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Connecting to the project&apos;s brokers</source>
        <translation>Connexion aux brokers du projet</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Waiting for the project&apos;s master</source>
        <translation>Attente du maître du projet</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Member of the project</source>
        <translation>Membre du projet</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>Open pvc</source>
        <translation>Ouvrir pvc</translation>
    </message>
    <message>
        <location filename="../app/tray/joinpage.cpp" line="+108"/>
        <source>Join a pvc project</source>
        <translation>Rejoindre un projet pvc</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Join %1</source>
        <translation>Rejoindre %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>unknown</source>
        <translation>inconnu</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>none known</source>
        <translation>aucun connu</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>pvcd is not running.</source>
        <translation>pvcd ne tourne pas.</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Paste the invite token the project gave you.</source>
        <translation>Collez le jeton d&apos;invitation que le projet vous a donné.</translation>
    </message>
    <message>
        <location line="+64"/>
        <source>This computer is now a member of %1, as %2, with the virtual IP address %3.</source>
        <translation>Cet ordinateur est maintenant membre de %1, sous le nom %2, avec l&apos;adresse IP virtuelle %3.</translation>
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
        <translation>État</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Computing</source>
        <translation>Calcul</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Data</source>
        <translation>Données</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Credits</source>
        <translation>Crédits</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>About</source>
        <translation>À propos</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>This desktop has no system tray, so pvc shows this window instead. Closing it ends pvc-tray; pvcd goes on running with your preferences.</source>
        <translation>Ce bureau n&apos;a pas de zone de notification : pvc affiche donc cette fenêtre à la place. La fermer arrête pvc-tray ; pvcd continue de tourner avec vos préférences.</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Starting pvcd...</source>
        <translation>Démarrage de pvcd...</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+5"/>
        <source>Start pvcd</source>
        <translation>Démarrer pvcd</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>pvcd is not running (nothing answers at %1). pvc-tray connects as soon as it starts.</source>
        <translation>pvcd ne tourne pas (rien ne répond sur %1). pvc-tray s&apos;y connectera dès son démarrage.</translation>
    </message>
</context>
<context>
    <name>pvc::app::ProjectInfo</name>
    <message>
        <location filename="../app/tray/projectinfo.cpp" line="+31"/>
        <source>No project bundle was found at %1. Start pvc-tray with --project FILE.</source>
        <translation>Aucun fichier de projet n&apos;a été trouvé à %1. Lancez pvc-tray avec --project FICHIER.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1 is too large to be a project bundle.</source>
        <translation>%1 est trop gros pour être un fichier de projet.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>%1 is not a pvc project bundle.</source>
        <translation>%1 n&apos;est pas un fichier de projet pvc.</translation>
    </message>
</context>
<context>
    <name>pvc::app::StateText</name>
    <message>
        <location filename="../app/tray/statetext.cpp" line="+56"/>
        <source>pvc: pvcd is not running</source>
        <translation>pvc : pvcd ne tourne pas</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pvc: connecting to pvcd</source>
        <translation>pvc : connexion à pvcd</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>pvc: %1 revoked this machine</source>
        <translation>pvc : %1 a révoqué cette machine</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pvc: the membership in %1 expired; renewing</source>
        <translation>pvc : l’adhésion à %1 a expiré ; renouvellement en cours</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pvc: joining %1</source>
        <translation>pvc : adhésion à %1 en cours</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pvc: not a member of %1</source>
        <translation>pvc : pas membre de %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pvc: %1, reaching the brokers of %2</source>
        <translation>pvc : %1, connexion aux brokers de %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pvc: %1 (%2) in %3</source>
        <translation>pvc : %1 (%2) dans %3</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1; %2</source>
        <translation>%1 ; %2</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Revoked by the project</source>
        <translation>Révoqué par le projet</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Membership expired: asking the project&apos;s master to renew it</source>
        <translation>Adhésion expirée : demande de renouvellement au maître du projet</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Joining: waiting for the project&apos;s master</source>
        <translation>Adhésion : attente du maître du projet</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not joined</source>
        <translation>Pas membre</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Member, reaching the brokers</source>
        <translation>Membre, connexion aux brokers</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>Member, connected to %n of %1 brokers</source>
        <translation>
            <numerusform>Membre, connecté à %n broker sur %1</numerusform>
            <numerusform>Membre, connecté à %n brokers sur %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+13"/>
        <source>running on %n core(s)</source>
        <translation>
            <numerusform>calcule sur %n cœur</numerusform>
            <numerusform>calcule sur %n cœurs</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>throttled to %1% (%2)</source>
        <translation>ralenti à %1 % (%2)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>paused after finishing the current work</source>
        <translation>en pause après avoir terminé le travail en cours</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>paused by you until %1</source>
        <translation>mis en pause par vous jusqu&apos;à %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+46"/>
        <source>paused by you</source>
        <translation>mis en pause par vous</translation>
    </message>
    <message>
        <location line="-44"/>
        <source>paused (%1)</source>
        <translation>en pause (%1)</translation>
    </message>
    <message numerus="yes">
        <location line="+11"/>
        <source>%n task(s) done</source>
        <translation>
            <numerusform>%n tâche terminée</numerusform>
            <numerusform>%n tâches terminées</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>computing %n task(s)</source>
        <translation>
            <numerusform>calcule %n tâche</numerusform>
            <numerusform>calcule %n tâches</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>waiting for work</source>
        <translation>attend du travail</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>connecting to the project&apos;s manager (%1)</source>
        <translation>connexion au gestionnaire du projet (%1)</translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>paused, %n task(s) held</source>
        <translation>
            <numerusform>en pause, %n tâche suspendue</numerusform>
            <numerusform>en pause, %n tâches suspendues</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>finishing %n task(s)</source>
        <translation>
            <numerusform>termine %n tâche</numerusform>
            <numerusform>termine %n tâches</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>not running</source>
        <translation>arrêté</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>the computer is idle</source>
        <translation>l&apos;ordinateur est inactif</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+2"/>
        <source>the computer is in use</source>
        <translation>l&apos;ordinateur est utilisé</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>on battery</source>
        <translation>sur batterie</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>outside the daily time window</source>
        <translation>en dehors de la plage horaire quotidienne</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>finishing the current work, then pausing</source>
        <translation>termine le travail en cours, puis se met en pause</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the current work is finished</source>
        <translation>le travail en cours est terminé</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Authenticated</source>
        <translation>Authentifié</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Connecting</source>
        <translation>Connexion en cours</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Offline</source>
        <translation>Hors ligne</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Revoked</source>
        <translation>Révoqué</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Rejected</source>
        <translation>Refusé</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Relayed by a broker</source>
        <translation>Relayé par un broker</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Trying a direct path</source>
        <translation>Essai d&apos;un chemin direct</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>None yet</source>
        <translation>Aucun pour l&apos;instant</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Direct (Traversing-TCP)</source>
        <translation>Direct (Traversing-TCP)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Direct (public address)</source>
        <translation>Direct (adresse publique)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Direct (UPnP)</source>
        <translation>Direct (UPnP)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Direct (hole punching)</source>
        <translation>Direct (traversée de NAT)</translation>
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
        <translation>Dernière erreur :</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>This computer</source>
        <translation>Cet ordinateur</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>State:</source>
        <translation>État :</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Name:</source>
        <translation>Nom :</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Virtual IP address:</source>
        <translation>Adresse IP virtuelle :</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Project:</source>
        <translation>Projet :</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Membership valid until:</source>
        <translation>Adhésion valable jusqu’au :</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Computing:</source>
        <translation>Calcul :</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Worker:</source>
        <translation>Travailleur :</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Broker</source>
        <translation>Broker</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Connection</source>
        <translation>Connexion</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Sees this computer at</source>
        <translation>Voit cet ordinateur en</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Brokers</source>
        <translation>Brokers</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Member</source>
        <translation>Membre</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Virtual IP address</source>
        <translation>Adresse IP virtuelle</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Status</source>
        <translation>État</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Path</source>
        <translation>Chemin</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Round trip</source>
        <translation>Aller-retour</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No other member is known yet.</source>
        <translation>Aucun autre membre n&apos;est encore connu.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Other members</source>
        <translation>Autres membres</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Waiting for pvcd</source>
        <translation>Attente de pvcd</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>%1 (network %2, domain %3)</source>
        <translation>%1 (réseau %2, domaine %3)</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+3"/>
        <source>not available from this pvcd</source>
        <translation>non disponible auprès de ce pvcd</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Connected</source>
        <translation>Connecté</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Not connected</source>
        <translation>Non connecté</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not connected (%1)</source>
        <translation>Non connecté (%1)</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>%1 (renewed automatically from %2)</source>
        <translation>%1 (renouvelée automatiquement à partir du %2)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Renewal not done yet: %1</source>
        <translation>Renouvellement pas encore fait : %1</translation>
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
        <translation>pvcd ne tourne pas</translation>
    </message>
</context>
<context>
    <name>pvc::app::TrayApplication</name>
    <message>
        <location filename="../app/tray/trayapplication.cpp" line="+23"/>
        <source>The pvc volunteer&apos;s app: joins this computer to the project, shows its state, and sets how much of the computer the project may use. It starts pvcd when pvcd is not running.</source>
        <translation>L&apos;application du bénévole pvc : elle fait entrer cet ordinateur dans le projet, montre son état et règle la part de l&apos;ordinateur que le projet peut utiliser. Elle démarre pvcd s&apos;il ne tourne pas.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>pvcd&apos;s control socket.</source>
        <translation>Le socket de contrôle de pvcd.</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>PATH</source>
        <translation>CHEMIN</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The project bundle to show on the Join screen and to start pvcd with (default: %1).</source>
        <translation>Le fichier de projet à montrer sur l&apos;écran d&apos;adhésion et avec lequel démarrer pvcd (par défaut : %1).</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>FILE</source>
        <translation>FICHIER</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Do not start pvcd when it is not running.</source>
        <translation>Ne pas démarrer pvcd quand il ne tourne pas.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Start in the system tray, without opening the window.</source>
        <translation>Démarrer dans la zone de notification, sans ouvrir la fenêtre.</translation>
    </message>
</context>
<context>
    <name>pvc::app::TrayIcon</name>
    <message>
        <location filename="../app/tray/trayicon.cpp" line="+24"/>
        <source>Open pvc</source>
        <translation>Ouvrir pvc</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Pause for 1 hour</source>
        <translation>Mettre en pause 1 heure</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resume</source>
        <translation>Reprendre</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Finish current work, then pause</source>
        <translation>Terminer le travail en cours, puis mettre en pause</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Quit pvc-tray</source>
        <translation>Quitter pvc-tray</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>pvcd goes on running with your preferences.</source>
        <translation>pvcd continue de tourner avec vos préférences.</translation>
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
        <translation>Impossible de supprimer %1.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>The autostart template is missing from this build.</source>
        <translation>Le modèle de démarrage automatique manque dans cette version.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Cannot write %1: %2</source>
        <translation>Impossible d&apos;écrire %1 : %2</translation>
    </message>
</context>
</TS>
