/**
 * Read a Homebrew formula the way brew's DSL would run it, without Homebrew: a stand-in
 * `Formula` class records each `url` and `sha256` with the `on_macos`/`on_linux` and
 * `on_arm`/`on_intel` blocks they were declared in.
 */
const STAND_IN = `
require "json"
$found = []
$where = {}
class Formula
  class << self
    def method_missing(*) = nil
    def test(*) = nil
    def respond_to_missing?(*) = true
    def on_macos = (($where[:os] = "darwin"); yield; $where.delete(:os))
    def on_linux = (($where[:os] = "linux"); yield; $where.delete(:os))
    def on_arm = (($where[:cpu] = "arm64"); yield; $where.delete(:cpu))
    def on_intel = (($where[:cpu] = "x64"); yield; $where.delete(:cpu))
    def url(u) = ($where[:url] = u)
    def sha256(s) = $found << $where.merge(sha256: s)
  end
end
load ARGV[0]
puts JSON.generate($found)
`;

export interface FormulaDownload {
  os: string;
  cpu: string;
  url: string;
  sha256: string;
}

export function formulaDownloads(ruby: string, formula: string): FormulaDownload[] {
  const res = Bun.spawnSync([ruby, "-e", STAND_IN, formula], { stdout: "pipe", stderr: "pipe" });
  if (res.exitCode !== 0) throw new Error(`ruby could not load ${formula}: ${res.stderr}`);
  return JSON.parse(res.stdout.toString()) as FormulaDownload[];
}
