#pragma once

// The shell of a saboteur, for the tests, the demo and the sabotage benchmark only (docs/batch.md, "The test
// switch for saboteurs"): bound over /usr/bin/sh where Work Queue runs its tasks (`sh -c COMMAND` in a folder
// t.N), it runs each task with bash, then appends a line to every file the task created. Anything else it
// runs unchanged.
namespace pvc::core {

inline constexpr const char* SaboteurShell = "#!/usr/bin/bash\n"
                                             "case \"$PWD\" in */t.[0-9]*) ;; *) exec /usr/bin/bash \"$@\" ;; esac\n"
                                             "shopt -s nullglob dotglob\n"
                                             "declare -A before\n"
                                             "for f in *; do before[\"$f\"]=1; done\n"
                                             "/usr/bin/bash \"$@\"\n"
                                             "status=$?\n"
                                             "for f in *; do\n"
                                             "  if [[ -f $f && ! -L $f && -z ${before[\"$f\"]} ]]; then\n"
                                             "    printf 'sabotaged\\n' >> \"$f\"\n"
                                             "  fi\n"
                                             "done\n"
                                             "exit $status\n";

} // namespace pvc::core
