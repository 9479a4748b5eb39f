/**
 * Fleet mode: many virtual devices in real time against a running gateway
 * (`haitang sim fleet`, and the demo's devices). See simulator/README.md.
 */
export {
  DEMO_INCIDENTS,
  type FleetEvent,
  HOLD_MS,
  INCIDENT_KINDS,
  type IncidentKind,
  type IncidentSchedule,
} from "./fleet-incidents.js";
export {
  countsFor,
  FLEET_RATES,
  type FleetCounts,
  type FleetDevice,
  type FleetLayout,
  type FleetPlan,
  planDemoFleet,
  planDevice,
  planFleet,
} from "./fleet-plan.js";
export { type FleetSiteOptions, fleetSiteConfig, staticDevices } from "./fleet-site.js";
export {
  type Fleet,
  type FleetOptions,
  type FleetStats,
  type FleetTransport,
  startFleet,
} from "./start-fleet.js";
