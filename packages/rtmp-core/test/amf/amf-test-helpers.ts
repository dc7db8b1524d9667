/**
 * Helpers for the AMF tests: an exact structural equality for AMF values and
 * an assertion for RtmpError codes.
 */
import { expect } from 'vitest';
import { RtmpError, type RtmpErrorCode } from '../../src/errors.ts';
import {
  AMF_CLASS_NAME,
  AMF_ECMA_ARRAY,
  AmfDictionary,
  AmfVector,
  AmfXml,
  type AmfObject,
  type AmfValue,
} from '../../src/amf/amf-value.ts';

/**
 * Why `a` (the original) and `b` (after a round trip) differ, or undefined
 * when they are the same AMF value. Stricter than `toEqual`: -0 vs 0, NaN,
 * symbol markers, key order, the prototype and the exact class of `b` count.
 * Array holes in `a` match undefined in `b` (AMF sends holes as undefined).
 */
export function amfDiff(a: AmfValue, b: AmfValue, path = '$'): string | undefined {
  if (typeof a !== 'object' || a === null) {
    return Object.is(a, b) ? undefined : `${path}: ${String(a)} !== ${String(b)}`;
  }
  if (typeof b !== 'object' || b === null) return `${path}: object vs ${String(b)}`;
  if (a instanceof Date) {
    if (!(b instanceof Date)) return `${path}: expected a Date`;
    return Object.is(a.getTime(), b.getTime()) ? undefined : `${path}: date ${a.getTime()} vs ${b.getTime()}`;
  }
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array) || b.constructor !== Uint8Array) return `${path}: expected a Uint8Array`;
    if (a.length !== b.length || a.some((x, i) => x !== b[i])) return `${path}: bytes differ`;
    return undefined;
  }
  if (a instanceof AmfXml) {
    if (!(b instanceof AmfXml)) return `${path}: expected AmfXml`;
    return a.text === b.text && a.kind === b.kind ? undefined : `${path}: xml differs`;
  }
  if (a instanceof AmfVector) {
    if (!(b instanceof AmfVector)) return `${path}: expected AmfVector`;
    if (a.kind !== b.kind || a.fixed !== b.fixed) return `${path}: vector kind/fixed differ`;
    if (a.kind === 'object' && a.objectTypeName !== b.objectTypeName) return `${path}: vector type name differs`;
    if (a.items.length !== b.items.length) return `${path}: vector length differs`;
    for (let i = 0; i < a.items.length; i++) {
      const d = amfDiff(a.items[i] as AmfValue, b.items[i] as AmfValue, `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (a instanceof Map) {
    if (!(b instanceof AmfDictionary)) return `${path}: expected AmfDictionary`;
    const weak = a instanceof AmfDictionary && a.weakKeys;
    if (weak !== b.weakKeys) return `${path}: weakKeys differ`;
    const ea = [...a];
    const eb = [...b];
    if (ea.length !== eb.length) return `${path}: dictionary size ${ea.length} vs ${eb.length}`;
    for (let i = 0; i < ea.length; i++) {
      const d = amfDiff(ea[i]![0], eb[i]![0], `${path}.key#${i}`) ?? amfDiff(ea[i]![1], eb[i]![1], `${path}.value#${i}`);
      if (d) return d;
    }
    return undefined;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return `${path}: expected an array`;
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = amfDiff(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  const oa = a as AmfObject;
  if (Array.isArray(b) || Object.getPrototypeOf(b) !== Object.prototype) return `${path}: expected a plain object`;
  const ob = b as AmfObject;
  if (oa[AMF_CLASS_NAME] !== ob[AMF_CLASS_NAME]) return `${path}: class ${oa[AMF_CLASS_NAME]} vs ${ob[AMF_CLASS_NAME]}`;
  if ((oa[AMF_ECMA_ARRAY] === true) !== (ob[AMF_ECMA_ARRAY] === true)) return `${path}: ECMA array marker differs`;
  const ka = Object.keys(oa);
  const kb = Object.keys(ob);
  if (ka.join('\u0000') !== kb.join('\u0000')) return `${path}: keys ${JSON.stringify(ka)} vs ${JSON.stringify(kb)}`;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(ob, k)) return `${path}: missing own ${k}`;
    const d = amfDiff(oa[k], ob[k], `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}

/** Asserts that `a` and `b` are the same AMF value (see {@link amfDiff}). */
export function expectAmfEqual(b: AmfValue, a: AmfValue): void {
  const d = amfDiff(a, b);
  expect(d, d).toBeUndefined();
}

/** Asserts that `fn` throws an RtmpError with `code`, and returns it. */
export function expectRtmpError(fn: () => unknown, code: RtmpErrorCode): RtmpError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a throw').toBeInstanceOf(RtmpError);
  expect((caught as RtmpError).code, (caught as RtmpError).message).toBe(code);
  return caught as RtmpError;
}
