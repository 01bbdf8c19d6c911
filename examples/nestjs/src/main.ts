import 'reflect-metadata'
import { NestFactory } from '@nestjs/core'
import { AppModule } from './app.module.js'

const port = Number(process.env.PORT ?? 3000)
const app = await NestFactory.create(AppModule.register())
app.enableShutdownHooks() // SIGTERM closes the app, and CachesModule closes the cache service
await app.listen(port, '127.0.0.1')
console.log(`listening on http://127.0.0.1:${port}`)
