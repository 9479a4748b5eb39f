export {
  type AckResult,
  type AlarmRecord,
  AlarmStore,
  type AlarmStoreOptions,
  alarmOutboxItem,
} from "./alarm-store.js";
export { Notifier, type NotifierOptions } from "./notifier.js";
export { notificationTargets, notificationText } from "./notify-route.js";
