// SPDX-License-Identifier: GPL-2.0-or-later
import Foundation
import LoopbenchCore

/// Helpers shared by the test targets.
public enum TestPaths {
    /// The package root (the folder holding Package.swift).
    public static var packageRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        return FileManager.default.currentDirectoryPath
    }

    /// A fresh temporary folder.
    public static func temporaryDirectory(_ name: String = "loopbench-test") -> String {
        let dir = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
