/**
 * defaults < groups (in file order) < host. Maps merge key by key, lists and scalars are
 * replaced whole, an empty value (`key:` or `key: ~`) removes what a lower layer set.
 * A disk's `usb`, `iscsi` and `rotation` exclude each other: a layer naming one drops the others.
 *
 * Every merged value remembers which layer wrote it, so a bad value inherited from
 * `defaults:` is reported at its line in `defaults:`, not at the host.
 */
import type { Path } from './errors.ts';

export interface Layer {
  /** Where the layer's settings are in the document, e.g. ['groups', 'gentoo', 'vars']. */
  from: Path;
  value: Record<string, unknown> | null | undefined;
}

export interface Merged {
  value: Record<string, unknown>;
  /** Document path of the layer that wrote the deepest existing part of `path`. */
  origin(path: Path): Path;
}

type SettingsMap = Record<string, unknown>;
type Origins = Map<string, Path>;

const EXCLUSIVE: Record<string, readonly string[]> = { disk: ['usb', 'iscsi', 'rotation'] };

function isMap(v: unknown): v is SettingsMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const keyOf = (p: Path) => p.map(String).join('\u0000');

function forget(origins: Origins, p: Path): void {
  const k = keyOf(p);
  for (const o of [...origins.keys()]) if (o === k || o.startsWith(`${k}\u0000`)) origins.delete(o);
}

function mergeInto(base: SettingsMap, over: SettingsMap, at: Path, from: Path, origins: Origins): void {
  origins.set(keyOf(at), from);
  const exclusive = at.length === 1 ? EXCLUSIVE[String(at[0])] : undefined;
  if (exclusive?.some((k) => k in over)) {
    for (const k of exclusive) { delete base[k]; forget(origins, [...at, k]); }
  }
  for (const [key, v] of Object.entries(over)) {
    const p = [...at, key];
    if (v === null || v === undefined) {
      delete base[key];
      forget(origins, p);
    } else if (isMap(v)) {
      if (!isMap(base[key])) { forget(origins, p); base[key] = {}; }
      mergeInto(base[key] as SettingsMap, v, p, from, origins);
    } else {
      forget(origins, p);
      base[key] = structuredClone(v);
      origins.set(keyOf(p), from);
    }
  }
}

/** Merge layers, lowest precedence first. Inputs are not modified. */
export function mergeLayers(layers: readonly Layer[]): Merged {
  const value: SettingsMap = {};
  const origins: Origins = new Map();
  for (const layer of layers) {
    if (isMap(layer.value)) mergeInto(value, layer.value, [], layer.from, origins);
    else origins.set(keyOf([]), layer.from);
  }
  return {
    value,
    origin(path) {
      for (let i = path.length; i >= 0; i--) {
        const from = origins.get(keyOf(path.slice(0, i)));
        if (from) return from;
      }
      return layers[layers.length - 1]?.from ?? [];
    },
  };
}
