import { trimmedLine } from '@/lib/model/text';
import { isTimeZone } from './zones';

/** A user's time zone as a form or the browser sends it: an IANA name this runtime knows. */
export const timeZoneInput = trimmedLine(64).refine(isTimeZone, 'Choose a time zone from the list, e.g. Europe/Berlin or America/New_York');
