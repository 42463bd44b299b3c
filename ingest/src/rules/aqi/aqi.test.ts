import t from 'tap'
import { runGoldenSuite } from '../golden-suite.ts'

await runGoldenSuite(t, import.meta.dirname)
