// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

/// Splits a shell command line (or a script holding one) into words the way a POSIX shell's
/// quoting does: single quotes, double quotes with `\"` `\\` `\$` `` \` `` escapes, a backslash
/// outside quotes, `\`-newline continuations and `#` comments. Expansions (`$VAR`, globs) are
/// left as written: loopbench reads the words, it does not run them.
public enum ShellWords {
    /// - Parameter subject: the file or option named in an error.
    /// - Throws: `badData` (exit 65) for an unbalanced quote or a trailing backslash.
    public static func split(_ text: String, subject: String) throws(LoopbenchError) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        let chars = Array(text.unicodeScalars)
        var i = 0
        func position(_ idx: Int) -> String {
            var l = 1, c = 1
            for k in 0..<min(idx, chars.count) { if chars[k] == "\n" { l += 1; c = 1 } else { c += 1 } }
            return "line \(l), column \(c)"
        }
        while i < chars.count {
            let c = chars[i]
            switch c {
            case " ", "\t", "\n", "\r":
                if inWord { words.append(word); word = ""; inWord = false }
                i += 1
            case "#" where !inWord:
                while i < chars.count && chars[i] != "\n" { i += 1 }
            case "\\":
                guard i + 1 < chars.count else { throw .badData(subject, "a backslash at the end of the command line escapes nothing (\(position(i)))") }
                if chars[i + 1] == "\n" { i += 2; continue }
                word.unicodeScalars.append(chars[i + 1]); inWord = true; i += 2
            case "'":
                let start = i
                i += 1
                while i < chars.count && chars[i] != "'" { word.unicodeScalars.append(chars[i]); i += 1 }
                guard i < chars.count else { throw .badData(subject, "unbalanced single quote opened at \(position(start))") }
                inWord = true; i += 1
            case "\"":
                let start = i
                i += 1
                var closed = false
                while i < chars.count {
                    let d = chars[i]
                    if d == "\"" { closed = true; i += 1; break }
                    if d == "\\", i + 1 < chars.count, ["\"", "\\", "$", "`", "\n"].contains(chars[i + 1]) {
                        if chars[i + 1] != "\n" { word.unicodeScalars.append(chars[i + 1]) }
                        i += 2; continue
                    }
                    word.unicodeScalars.append(d); i += 1
                }
                guard closed else { throw .badData(subject, "unbalanced double quote opened at \(position(start))") }
                inWord = true
            default:
                word.unicodeScalars.append(c); inWord = true; i += 1
            }
        }
        if inWord { words.append(word) }
        return words
    }

    /// Quotes a word for a POSIX shell only when it needs it.
    public static func quote(_ w: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,/:+@%")
        if !w.isEmpty && w.allSatisfy({ safe.contains($0) }) { return w }
        return "'" + w.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
