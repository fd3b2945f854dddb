/**
 * Read a Homebrew formula the way brew's DSL would run it, without Homebrew: a stand-in `Formula`
 * class records each `url` and `sha256` with the `on_macos`/`on_linux` and `on_arm`/`on_intel`
 * blocks they were declared in. Plain Ruby 2.6 syntax, for macOS's own ruby.
 */
const STAND_IN = `
require "json"
$found = []
$where = {}
class Formula
  class << self
    def method_missing(*); end
    def respond_to_missing?(*); true; end
    def test(*); end
    def within(key, value)
      $where[key] = value
      yield
      $where.delete(key)
    end
    def on_macos(&block); within(:os, "darwin", &block); end
    def on_linux(&block); within(:os, "linux", &block); end
    def on_arm(&block); within(:cpu, "arm64", &block); end
    def on_intel(&block); within(:cpu, "x64", &block); end
    def url(u); $where[:url] = u; end
    def sha256(s); $found << $where.merge(sha256: s); end
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
