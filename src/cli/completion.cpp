#include "cli/completion.hpp"

#include <algorithm>

#include "base/strings.hpp"
#include "cli/gateway_options.hpp"
#include "cli/proxy_options.hpp"

namespace awmg::cli {
namespace {

const char* kCommands = "proxy completion help";

std::string words(const std::vector<std::string>& list) {
  return base::join(list, " ");
}

std::string bash_script() {
  return "# bash completion for awmg\n"
         "_awmg() {\n"
         "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" cmd=\"\" w\n"
         "  for w in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do\n"
         "    case \"$w\" in proxy|completion|help) cmd=\"$w\"; break;; esac\n"
         "  done\n"
         "  case \"$cmd\" in\n"
         "    proxy) COMPREPLY=($(compgen -W \"" +
         words(proxy_flag_words()) +
         "\" -- \"$cur\"));;\n"
         "    completion) COMPREPLY=($(compgen -W \"" +
         words(kCompletionShells) +
         "\" -- \"$cur\"));;\n"
         "    help) COMPREPLY=($(compgen -W \"proxy completion\" -- \"$cur\"));;\n"
         "    *) if [[ \"$cur\" == -* ]]; then\n"
         "         COMPREPLY=($(compgen -W \"" +
         words(gateway_flag_words()) +
         "\" -- \"$cur\"))\n"
         "       else\n"
         "         COMPREPLY=($(compgen -W \"" +
         kCommands +
         "\" -- \"$cur\"))\n"
         "       fi;;\n"
         "  esac\n"
         "}\n"
         "complete -o default -F _awmg awmg\n";
}

std::string zsh_script() {
  return "#compdef awmg\n"
         "_awmg() {\n"
         "  case \"${words[2]}\" in\n"
         "    proxy) compadd -- " +
         words(proxy_flag_words()) +
         " ;;\n"
         "    completion) compadd -- " +
         words(kCompletionShells) +
         " ;;\n"
         "    help) compadd -- proxy completion ;;\n"
         "    *) if [[ \"$PREFIX\" == -* ]]; then compadd -- " +
         words(gateway_flag_words()) + "; else compadd -- " + kCommands +
         "; fi ;;\n"
         "  esac\n"
         "}\n"
         "compdef _awmg awmg\n";
}

std::string fish_flags(const std::vector<std::string>& list, const std::string& condition) {
  std::string out;
  for (const auto& w : list) {
    if (!base::starts_with(w, "--")) continue;
    out += "complete -c awmg -n '" + condition + "' -l " + w.substr(2) + "\n";
  }
  return out;
}

std::string fish_script() {
  return "# fish completion for awmg\n"
         "complete -c awmg -f\n"
         "complete -c awmg -n '__fish_use_subcommand' -a '" +
         std::string(kCommands) +
         "'\n"
         "complete -c awmg -n '__fish_seen_subcommand_from completion' -a '" +
         words(kCompletionShells) + "'\n" +
         fish_flags(gateway_flag_words(), "not __fish_seen_subcommand_from proxy completion help") +
         fish_flags(proxy_flag_words(), "__fish_seen_subcommand_from proxy");
}

std::string powershell_list(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& w : list) out += (out.empty() ? "'" : ",'") + w + "'";
  return "@(" + out + ")";
}

std::string powershell_script() {
  return "# powershell completion for awmg\n"
         "Register-ArgumentCompleter -Native -CommandName 'awmg' -ScriptBlock {\n"
         "  param($wordToComplete, $commandAst, $cursorPosition)\n"
         "  $words = $commandAst.CommandElements | ForEach-Object { $_.ToString() }\n"
         "  if ($words -contains 'proxy') { $candidates = " +
         powershell_list(proxy_flag_words()) +
         " }\n"
         "  elseif ($words -contains 'completion') { $candidates = " +
         powershell_list(kCompletionShells) +
         " }\n"
         "  elseif ($wordToComplete -like '-*') { $candidates = " +
         powershell_list(gateway_flag_words()) +
         " }\n"
         "  else { $candidates = @('proxy','completion','help') }\n"
         "  $candidates | Where-Object { $_ -like \"$wordToComplete*\" } |\n"
         "    ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, "
         "'ParameterValue', $_) }\n"
         "}\n";
}

}  // namespace

Result<std::string> completion_script(const std::vector<std::string>& args) {
  if (args.size() != 1) return Error{"accepts 1 arg(s), received " + std::to_string(args.size())};
  const std::string& shell = args[0];
  if (shell == "bash") return bash_script();
  if (shell == "zsh") return zsh_script();
  if (shell == "fish") return fish_script();
  if (shell == "powershell") return powershell_script();
  return Error{"invalid argument " + base::quote(shell) + " for \"awmg completion\""};
}

}  // namespace awmg::cli
