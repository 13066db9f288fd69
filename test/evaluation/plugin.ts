/**
 * BTF_PLUGINS module for CLI-level evaluation tests: exports the evaluation stage kinds that the
 * built-in registry does not (yet) list, so the tests work before and after the lead registers them.
 */
import { builtinRegistry } from '../../runner/stages/registry.js';
import { fidStatsStage } from '../../runner/stages/fid-stats.js';
import { fidStage } from '../../runner/stages/fid.js';
import type { StageKind } from '../../runner/stages/types.js';

const builtins = await builtinRegistry();
export const stages: StageKind[] = [fidStatsStage, fidStage].filter((k) => !builtins.get(k.kind));
