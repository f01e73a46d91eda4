import t from 'tap';
import { connectorCases } from './connector-cases.ts';

connectorCases(t);
