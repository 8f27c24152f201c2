// SPDX-License-Identifier: GPL-2.0-or-later
import LoopbenchCore

/// The sweep runner: a grid of settings, each point measured several times.
public enum Sweep {}
