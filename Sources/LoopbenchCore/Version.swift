// SPDX-License-Identifier: GPL-2.0-or-later

/// The version of loopbench written into every report.
public enum LoopbenchVersion {
    public static let current = "0.1.0"
}
