import type { AttackRow, Layer } from '../report/model.js';

export interface PassedDuringAttack {
  attackId: string;
  layer: Layer;
  vectors: string[];
  start: string;
  /** Attack traffic the mitigation let through: packets and bytes at L3/4, requests at L7. */
  passedPackets: number;
  passedBytes: number;
  passedEvents: number;
  /** Share of the attack's own traffic that got through (packets at L3/4, requests at L7). */
  passedShare: number;
}

/**
 * The attacks during which mitigation let attack traffic through, the most traffic first: network-layer attacks
 * by bytes passed, then application-layer ones by requests passed (the share of the attack is secondary: a
 * small attack half let through matters less than a large one a quarter let through). Attacks whose data
 * carries no outcome at all (flow exports) are left out: nothing can be said about them. Pure.
 */
export function passedDuringAttacks(attacks: AttackRow[], hasL34Outcome: boolean): PassedDuringAttack[] {
  const volume = (p: PassedDuringAttack) => (p.layer === 'L3/4' ? p.passedBytes : p.passedEvents);
  return attacks
    .map((a) => {
      const net = a.layer === 'L3/4';
      const passedPackets = net ? a.packets - a.droppedPackets : 0;
      const passedBytes = net ? a.bytes - a.droppedBytes : 0;
      const passedEvents = net ? 0 : a.events - a.mitigatedEvents;
      const whole = net ? a.packets : a.events;
      const passed = net ? passedPackets : passedEvents;
      return { attackId: a.id, layer: a.layer, vectors: a.vectors, start: a.start, passedPackets, passedBytes, passedEvents, passedShare: whole > 0 ? passed / whole : 0 };
    })
    .filter((p) => (p.layer === 'L7' || hasL34Outcome) && (p.passedPackets > 0 || p.passedEvents > 0))
    .sort((a, b) => a.layer.localeCompare(b.layer) || volume(b) - volume(a) || b.passedShare - a.passedShare || a.start.localeCompare(b.start));
}
